"""The demo's incubation ledger: what the coaches wrote each week, what the teams tested and with whom,
what users said, and the impact indicators, for every project the demo takes into incubation.

Like the rest of the demo, it is data played through the real operations (incubator.incubation.operations)
at historical instants, interleaved with the workflow events by the loader (incubator.demo), so a phase
review's evidence snapshot holds what was known when it was decided. Weekly logs are generated from a few
lines per stage of each project (done, learnt, blockers, next steps), with a few weeks left without a log.
"""

from __future__ import annotations

import struct
import textwrap
import zlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from io import BytesIO
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import update
from werkzeug.datastructures import FileStorage

from .extensions import db
from .incubation.models import week_label, week_start
from .incubation.operations import (
    add_validation,
    declare_indicator,
    is_incubating,
    record_value,
    save_iteration,
    save_log,
)
from .models import Project, User
from .notifications import timers
from .notifications.models import Notification, Timer
from .workflows import get_definition

PARIS = ZoneInfo("Europe/Paris")
Day = date | int  # a date, or a number of days after the project entered pre-incubation


class Incubated(NamedTuple):
    """A demo project that enters incubation: the loader's project, its people and its dated script."""

    project: Project
    team: tuple[str, ...]  # person keys, author first
    coaches: tuple[str, ...]
    steps: list[tuple[datetime, str, str]]  # (at, event, comment)


class Stage(NamedTuple):
    """What a coach writes about a stretch of a phase: the lines are used in turn, week after week."""

    phase: str
    since: Day  # from the week of this day on (the phase's first week if earlier)
    done: tuple[str, ...]  # in the order things happened: spread over the stage's weeks
    learnt: tuple[str, ...]
    blockers: tuple[str, ...]  # "" for a week without one
    next_steps: tuple[str, ...]  # in order, like `done`
    confidence: tuple[int, ...]


class Test(NamedTuple):
    """A test-and-learn iteration: opened when it starts, completed (and decided) when it ends."""

    title: str
    hypothesis: str
    experiment: str
    audience: str
    users_count: int | None
    measure: str
    target: str
    started: Day
    ended: Day | None = None
    result: str = ""
    learning: str = ""
    decision: str | None = None
    pivot_change: str = ""


class Evidence(NamedTuple):
    held_on: Day
    method: str
    users_count: int
    verdict: str
    notes: str
    iteration: int | None = None  # the number of one of the project's tests
    attachment: Callable[[], tuple[str, bytes]] | None = None  # (file name, bytes), made when stored


class Measure(NamedTuple):
    name: str
    unit: str
    description: str
    target: float | None
    declared: Day
    values: tuple[tuple[Day, float, str], ...]  # (day, value, note)


class Ledger(NamedTuple):
    stages: tuple[Stage, ...]
    # (day, index of a team member, text): added by that member under the coach's log of that week
    # (or the next log written)
    team_notes: tuple[tuple[Day, int, str], ...] = ()
    # What goes on while a stage's step takes more than a week, per phase: said in the weeks after the first.
    ongoing: dict[str, tuple[str, ...]] = {}
    tests: tuple[Test, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    measures: tuple[Measure, ...] = ()
    missing: tuple[Day, ...] = ()  # weeks left without a log
    holidays: bool = True  # no log the week after Christmas nor mid-August
    recent_missing: int = 0  # the last complete weeks before `now` left without a log (the current cohort)


# --- The weekly logs ---------------------------------------------------------------------------

# A line added to every other week's "done", so that two weeks of the same stage do not read alike.
ROUTINE = {
    "pre_incubation": ("Point hebdomadaire avec le coach.", "Tableau des hypothèses mis à jour.",
                       "Compte rendu envoyé à la direction.", "Journée d'équipe consacrée au terrain."),
    "startup": ("Point hebdomadaire avec le coach.", "Tableau de bord mis à jour.",
                "Point avec la direction de rattachement.", "Revue des retours des usagers de la semaine."),
}
REVIEW_NEXT = "Présenter le bilan et les preuves recueillies à la revue de phase."
REVIEWED_NEXT = "Mettre en œuvre les décisions de la revue de phase."
DAYS_PER_AGENT = {"pre_incubation": 1.0, "startup": 1.5}  # a week, the programme's budget in pre-incubation
DAYS_FACTOR = (1, 1, 0.75, 1, 1.25, 1, 0.5, 1, 1, 1.25)  # weeks vary: leave, a busy week at the service...


def stage(phase: str, since: Day, *, done, learnt, blockers, next_steps, confidence) -> Stage:
    return Stage(phase, since, tuple(done), tuple(learnt), tuple(blockers), tuple(next_steps), tuple(confidence))


PRE, STARTUP = "pre_incubation", "startup"

LEDGERS: dict[str, Ledger] = {}

LEDGERS["Pau Partage"] = Ledger(
    stages=(
        stage(PRE, 0, done=(
            "Cartographie des acteurs du maintien à domicile : auxiliaires de vie, CCAS, associations de visiteurs.",
            "Trois entretiens à domicile avec des personnes du registre des personnes vulnérables, en binôme avec "
            "leur auxiliaire de vie.",
            "Cinq nouveaux entretiens à domicile ; grille d'entretien simplifiée après les premiers essais.",
            "Six derniers entretiens ; synthèse : 9 personnes sur 14 acceptent un bénévole si elles peuvent le "
            "rencontrer avant et choisir le type de compagnie.",
        ), learnt=(
            "Les personnes veulent choisir : le type de compagnie (visite, promenade, courses, appel) compte "
            "autant que la personne.",
            "Le premier contact doit passer par quelqu'un de confiance : l'auxiliaire de vie.",
            "Plusieurs personnes préfèrent un appel régulier à une visite.",
        ), blockers=(
            "", "Difficile de joindre certaines personnes : pas de téléphone, ou pas de réponse.", "",
        ), next_steps=(
            "Caler les premiers entretiens à domicile avec les auxiliaires de vie.",
            "Finir la série d'entretiens et en faire la synthèse.",
            "Préparer l'appel à bénévoles dans le quartier pilote.",
        ), confidence=(3, 3, 4, 3)),
        stage(PRE, date(2019, 3, 11), done=(
            "Appel à bénévoles relayé par deux associations de quartier : onze candidatures.",
            "Rencontres à trois (personne, bénévole, agent) : les quatre premiers binômes sont formés.",
            "Quatre nouveaux binômes ; un appel de suivi chaque semaine à chaque binôme.",
            "Point à mi-parcours : sept binômes sur huit fonctionnent, un s'est arrêté (horaires incompatibles).",
            "Bilan des binômes avec les auxiliaires de vie.",
        ), learnt=(
            "Les bénévoles veulent savoir à qui s'adresser en cas de souci.",
            "La rencontre à trois rassure la personne comme le bénévole.",
            "L'appel téléphonique est le format le plus demandé.",
        ), blockers=(
            "", "L'assurance des bénévoles est à clarifier avec le service juridique.", "",
            "Deux bénévoles indisponibles pendant les vacances de printemps.",
        ), next_steps=(
            "Former les premiers binômes.",
            "Suivre chaque binôme chaque semaine.",
            "Préparer le bilan de pré-incubation.",
        ), confidence=(4, 4, 3, 4)),
        stage(STARTUP, 0, done=(
            "Présentation du dispositif aux auxiliaires de vie de deux quartiers, avec une fiche de repérage d'une "
            "page.",
            "Premières demandes venues des auxiliaires de vie : six nouveaux binômes.",
            "Charte du bénévole écrite avec le service juridique : assurance, confidentialité, limites.",
            "Canicule : les bénévoles appellent leur binôme chaque jour, en lien avec le plan canicule.",
            "Première rencontre des bénévoles : partage d'expériences et situations difficiles.",
        ), learnt=(
            "Le repérage par les auxiliaires de vie marche mieux que l'appel à candidatures.",
            "Les bénévoles restent quand ils se sentent soutenus : la rencontre mensuelle compte.",
            "Un binôme sur cinq a besoin d'un ajustement dans le premier mois.",
        ), blockers=(
            "", "", "Les vacances d'été interrompent plusieurs binômes.", "",
        ), next_steps=(
            "Étendre la fiche de repérage à toutes les auxiliaires de vie des deux quartiers.",
            "Organiser la rencontre mensuelle des bénévoles.",
            "Mesurer la satisfaction des personnes et des bénévoles.",
        ), confidence=(4, 4, 5, 4)),
        stage(STARTUP, date(2019, 9, 2), done=(
            "Questionnaire de satisfaction envoyé aux personnes accompagnées et aux bénévoles.",
            "Atelier avec le pôle Seniors du CCAS : qui fait quoi une fois le projet intégré.",
            "Transfert des outils au pôle Seniors : fiche de repérage, charte, tableau de suivi.",
            "Bilan : 26 binômes actifs fin novembre.",
        ), learnt=(
            "38 répondants sur 41 veulent continuer.",
            "Le CCAS doit prévoir du temps d'agent pour la mise en relation.",
            "Les auxiliaires de vie sont les meilleures ambassadrices du dispositif.",
        ), blockers=(
            "", "Le temps d'agent du CCAS pour la mise en relation reste à arbitrer.", "",
        ), next_steps=(
            "Analyser le questionnaire de satisfaction.",
            "Préparer le transfert au pôle Seniors du CCAS.",
        ), confidence=(4, 5, 4)),
    ),
    team_notes=(
        (date(2019, 2, 18), 0, "Les auxiliaires de vie ont très bien accueilli la démarche."),
        (date(2019, 4, 1), 1, "Deux personnes nous ont rappelés d'elles-mêmes pour avoir un bénévole."),
        (date(2019, 7, 1), 0, "Les bénévoles demandent un badge pour être reconnus par les gardiens d'immeuble."),
        (date(2019, 10, 21), 1, "Le pôle Seniors a désigné une agente pour la mise en relation."),
    ),
    ongoing={
        PRE: ("Relances téléphoniques des personnes à rencontrer.", "Compte rendu des entretiens de la semaine.",
              "Échange avec les auxiliaires de vie sur les personnes rencontrées.",
              "Suivi téléphonique des binômes."),
        STARTUP: ("Suivi téléphonique des binômes.", "Deux nouvelles mises en relation.",
                  "Accueil de nouveaux bénévoles.", "Point avec les auxiliaires de vie du quartier.",
                  "Ajustement d'un binôme : changement d'horaire des visites."),
    },
    tests=(
        Test("Les personnes âgées acceptent-elles un bénévole ?",
             "Une personne âgée isolée accepte d'être accompagnée par un bénévole de son quartier plutôt que par "
             "un agent de la Ville.",
             "Entretiens à domicile, en binôme avec l'auxiliaire de vie de la personne.",
             "Personnes âgées isolées du quartier pilote, inscrites au registre des personnes vulnérables", 14,
             "Part des personnes qui acceptent une visite d'un bénévole", "La moitié au moins",
             date(2019, 2, 11), date(2019, 3, 8),
             "9 personnes sur 14 acceptent, à condition de rencontrer le bénévole avant et de choisir le type de "
             "compagnie ; 5 refusent et ne veulent voir que leur auxiliaire de vie.",
             "L'acceptation dépend du choix : la personne rencontre le bénévole et choisit la compagnie qu'elle "
             "souhaite.", "persevere"),
        Test("Premiers binômes",
             "Des binômes formés après une rencontre à trois (personne, bénévole, agent) tiennent dans la durée.",
             "Huit binômes pendant six semaines (visite, promenade, courses ou appel), suivis par un appel "
             "hebdomadaire de l'équipe.",
             "8 personnes âgées et 8 bénévoles du quartier pilote", 16,
             "Binômes encore actifs après six semaines", "6 sur 8",
             date(2019, 3, 11), date(2019, 4, 26),
             "7 binômes sur 8 sont actifs ; l'appel téléphonique est le format le plus demandé.",
             "La rencontre à trois et le suivi hebdomadaire font tenir les binômes.", "persevere"),
        Test("Le repérage par les auxiliaires de vie",
             "Les auxiliaires de vie du CCAS peuvent repérer et proposer elles-mêmes la mise en relation.",
             "Fiche de repérage d'une page pour les auxiliaires de vie de deux quartiers, pendant quatre mois.",
             "Auxiliaires de vie, personnes âgées et bénévoles de deux quartiers", 35,
             "Demandes de mise en relation venues des auxiliaires de vie", "20 en quatre mois",
             date(2019, 6, 3), date(2019, 9, 27),
             "27 demandes, 22 binômes formés.",
             "Le repérage fonctionne ; la mise en relation doit être portée par le CCAS.", "persevere"),
    ),
    evidence=(
        Evidence(date(2019, 3, 8), "interviews", 14, "mixed",
                 "9 personnes sur 14 acceptent un bénévole, à condition de le rencontrer avant et de choisir le type "
                 "de compagnie ; 5 refusent.", 1),
        Evidence(date(2019, 4, 26), "pilot", 16, "validated",
                 "7 binômes sur 8 toujours actifs après six semaines ; les personnes disent attendre la visite ou "
                 "l'appel de la semaine.", 2),
        Evidence(date(2019, 10, 18), "survey", 41, "validated",
                 "Questionnaire aux personnes accompagnées et aux bénévoles : 38 sur 41 veulent continuer.", 3),
    ),
    measures=(
        Measure("Binômes actifs", "binômes", "Personne âgée et bénévole qui se sont vus ou appelés dans le mois.",
                30, date(2019, 3, 18), (
                    (date(2019, 3, 29), 4, ""), (date(2019, 4, 26), 7, "Fin du test des premiers binômes"),
                    (date(2019, 6, 28), 12, ""), (date(2019, 7, 31), 15, ""), (date(2019, 9, 27), 22, ""),
                    (date(2019, 11, 29), 26, "Avant le transfert au CCAS"))),
    ),
    missing=(date(2019, 4, 15),),
)

LEDGERS["Poubelle Battle"] = Ledger(
    stages=(
        stage(PRE, 0, done=(
            "Caractérisation des bacs de trois tours avec les équipes de collecte : 70 % de déchets compostables.",
            "Maquette de l'application de concours : classement des immeubles par poids de déchets.",
            "Présentation du concours aux habitants des trois tours, avec les gardiens.",
            "Pesée hebdomadaire des bacs ; classement affiché dans les halls.",
            "Entretiens au pied des tours : le classement laisse les habitants indifférents, voire les gêne.",
        ), learnt=(
            "Les gardiens sont des relais indispensables auprès des habitants.",
            "Le classement n'intéresse pas : « on ne va pas se battre avec les voisins ».",
            "Ce qui manque aux habitants, c'est un endroit où composter près de chez eux.",
        ), blockers=(
            "", "Pesées dépendantes des tournées de collecte.", "Peu de connexions à la maquette après la première "
            "semaine.", "",
        ), next_steps=(
            "Préparer la maquette du concours et le protocole de pesée.",
            "Lancer le concours dans les trois tours.",
            "Mesurer l'effet du concours et interroger les habitants.",
        ), confidence=(4, 3, 3, 2, 2)),
        stage(PRE, date(2019, 4, 8), done=(
            "Décision de pivot : abandon du concours, cap sur une aide concrète au compostage.",
            "Installation de deux composteurs au pied des tours avec le maître composteur.",
            "Prototype de plateforme d'échange : carte des composteurs du quartier et voisins volontaires.",
            "Permanence au pied des tours : 44 foyers déposent leurs déchets chaque semaine.",
        ), learnt=(
            "Les habitants qui ont un jardin sont prêts à partager leur composteur.",
            "Une permanence régulière crée l'habitude.",
        ), blockers=("", "Un composteur mal placé, trop loin de l'entrée d'une tour."),
            next_steps=(
            "Tester la plateforme d'échange avec les habitants des tours.",
            "Préparer le bilan de pré-incubation.",
        ), confidence=(3, 4, 4)),
        stage(STARTUP, 0, done=(
            "Ouverture de la plateforme à six résidences ; réunion avec le bailleur social.",
            "Formation de douze habitants référents du compost avec le maître composteur.",
            "Permanence hebdomadaire et première récolte de compost avec les habitants.",
            "Pesée des bacs : la part compostable baisse dans les résidences équipées.",
            "Trois nouveaux composteurs installés avec le bailleur social.",
        ), learnt=(
            "Les habitants référents font vivre les composteurs mieux que les permanences.",
            "La plateforme sert surtout à trouver le composteur le plus proche.",
            "Le bailleur social est prêt à financer de nouveaux composteurs.",
        ), blockers=(
            "", "Nuisances signalées près d'un composteur : à déplacer.", "", "Vacances d'été : moins de référents "
            "disponibles.",
        ), next_steps=(
            "Équiper trois nouvelles résidences.",
            "Mesurer l'évolution de la part compostable dans les bacs.",
            "Préparer la revue de mode startup.",
        ), confidence=(4, 4, 5, 4)),
        stage(STARTUP, date(2019, 11, 11), done=(
            "Dossier de candidature au fonds d'accélération de l'État.",
            "Questionnaire aux habitants des résidences équipées.",
            "Bilan d'hiver : 212 foyers actifs dans neuf résidences.",
        ), learnt=(
            "82 % des habitants interrogés trouvent un point de dépôt à moins de 5 minutes.",
            "D'autres collectivités demandent à réutiliser la plateforme.",
        ), blockers=("", "Réponse du fonds d'accélération attendue.", ""), next_steps=(
            "Déposer le dossier de financement.",
            "Analyser le questionnaire aux habitants.",
            "Préparer l'extension à de nouvelles résidences.",
        ), confidence=(4, 4, 3, 4)),
        stage(STARTUP, date(2020, 3, 16), done=(
            "Confinement : permanences suspendues, les référents gardent les composteurs ouverts.",
            "Conseils de compostage publiés chaque semaine sur la plateforme.",
            "Financement du fonds d'accélération obtenu.",
        ), learnt=("Sans permanences, les composteurs tiennent grâce aux référents.",),
            blockers=("Confinement : plus de réunions au pied des tours.", ""), next_steps=(
            "Garder le lien avec les référents pendant le confinement.",
            "Préparer la reprise des permanences.",
        ), confidence=(3, 4, 5)),
        stage(STARTUP, date(2020, 5, 11), done=(
            "Reprise des permanences au pied des tours dans le respect des consignes sanitaires.",
            "Plan d'essaimage avec l'agglomération et d'autres collectivités.",
            "Transfert de la plateforme à la direction Propreté et Déchets de l'agglomération.",
        ), learnt=("L'agglomération peut porter la plateforme pour toutes ses communes.",),
            blockers=("",), next_steps=(
            "Préparer l'essaimage.",
            "Préparer le transfert à l'agglomération.",
        ), confidence=(4, 5)),
    ),
    team_notes=(
        (date(2019, 3, 18), 1, "Les équipes de collecte trouvent les pesées lourdes à organiser en tournée."),
        (date(2019, 4, 22), 0, "Les gardiens nous signalent les composteurs pleins avant les habitants."),
        (date(2019, 10, 7), 2, "Prévoir une formation de référents à chaque saison."),
        (date(2020, 4, 6), 0, "Les référents gardent le lien avec les habitants par téléphone."),
    ),
    ongoing={
        PRE: ("Pesée des bacs avec l'équipe de collecte.", "Échange avec les gardiens des trois tours.",
              "Compte rendu des échanges avec les habitants."),
        STARTUP: ("Permanence hebdomadaire au pied des tours.", "Point avec les habitants référents.",
                  "Mise à jour de la carte des composteurs sur la plateforme.",
                  "Réassort des bio-seaux pour les nouveaux foyers.", "Pesée mensuelle des bacs avec la collecte.",
                  "Retournement du compost avec le maître composteur."),
    },
    tests=(
        Test("Un concours entre immeubles",
             "Une compétition entre immeubles motive les habitants à trier leurs déchets compostables.",
             "Maquette de l'application de concours (classement des immeubles par poids de déchets) présentée et "
             "testée pendant trois semaines, avec une pesée des bacs chaque semaine.",
             "Habitants de trois tours du quartier pilote", 46,
             "Part des déchets compostables dans les bacs ; intérêt déclaré pour le classement",
             "20 % de déchets compostables en moins dans les bacs des tours",
             date(2019, 2, 18), date(2019, 4, 5),
             "Aucune baisse mesurable (68 % de déchets compostables contre 70 % avant). Les habitants rejettent la "
             "gamification : le classement les indiffère ou les gêne. Ils demandent surtout où et comment "
             "composter.",
             "Le problème n'est pas la motivation mais l'absence de solution pratique pour composter en "
             "appartement : la compétition ne motive pas, l'entraide oui.",
             "pivot",
             "Le projet abandonne le concours entre immeubles et devient une plateforme d'échange qui aide les "
             "habitants à composter : voisins qui partagent leur composteur, points de dépôt au pied des tours, "
             "conseils du maître composteur."),
        Test("Une plateforme d'échange pour composter",
             "Si on leur donne une solution proche de chez eux, les habitants des tours déposent leurs déchets "
             "compostables.",
             "Prototype de plateforme d'échange (carte des composteurs, voisins volontaires) et deux composteurs au "
             "pied des tours, animés par le maître composteur.",
             "Habitants des trois tours et voisins équipés d'un composteur", 62,
             "Foyers qui déposent au moins une fois par semaine", "30 foyers en deux mois",
             date(2019, 4, 15), date(2019, 6, 28),
             "44 foyers déposent chaque semaine ; 11 voisins proposent leur composteur.",
             "La solution pratique et proche fonctionne ; les voisins volontaires sont une ressource.",
             "persevere"),
        Test("La plateforme sans animation quotidienne",
             "La plateforme tient sans l'équipe au quotidien, grâce à des habitants référents.",
             "Ouverture à six puis neuf résidences ; une permanence par semaine et douze habitants référents.",
             "Habitants de neuf résidences", 180,
             "Foyers actifs sur la plateforme", "150 foyers",
             date(2019, 9, 2), date(2020, 3, 13),
             "212 foyers actifs à la mi-mars 2020.",
             "Les référents font vivre les composteurs : le modèle peut être essaimé.", "persevere"),
    ),
    evidence=(
        Evidence(date(2019, 3, 29), "prototype_test", 46, "not_validated",
                 "Maquette du classement testée trois semaines : 6 connexions après la première semaine, aucune "
                 "baisse des déchets compostables.", 1),
        Evidence(date(2019, 4, 3), "interviews", 18, "not_validated",
                 "18 entretiens au pied des tours : 15 personnes jugent le concours inutile ou gênant ; toutes "
                 "demandent une solution pratique pour composter.", 1,
                 lambda: ("entretiens-tours-avril-2019.pdf", interviews_pdf())),
        Evidence(date(2019, 6, 28), "prototype_test", 62, "validated",
                 "44 foyers déposent chaque semaine dans les composteurs au pied des tours ; 11 voisins proposent "
                 "le leur sur la plateforme.", 2),
        Evidence(date(2020, 1, 24), "survey", 95, "validated",
                 "82 % des répondants trouvent un voisin ou un point de dépôt à moins de 5 minutes ; 9 sur 10 "
                 "recommanderaient la plateforme.", 3),
        Evidence(date(2020, 3, 13), "usage_data", 212, "validated",
                 "212 foyers actifs sur la plateforme, dans neuf résidences.", 3),
    ),
    measures=(
        Measure("Foyers qui compostent", "foyers", "Foyers qui déposent au moins une fois par semaine.", 200,
                date(2019, 4, 15), (
                    (date(2019, 5, 31), 21, ""), (date(2019, 6, 28), 44, ""), (date(2019, 9, 30), 78, ""),
                    (date(2019, 11, 29), 131, ""), (date(2020, 1, 31), 168, ""), (date(2020, 3, 13), 212, ""),
                    (date(2020, 6, 26), 254, "Après le confinement"))),
        Measure("Part compostable dans les bacs des tours", "%", "Caractérisation des bacs des tours équipées.", 50,
                date(2019, 2, 18), (
                    (date(2019, 2, 22), 70, "Avant le test"), (date(2019, 3, 29), 68, "Fin du concours"),
                    (date(2019, 6, 28), 61, ""), (date(2019, 10, 25), 56, ""), (date(2020, 1, 31), 52, ""),
                    (date(2020, 6, 26), 47, ""))),
    ),
)

LEDGERS["ID Quart"] = Ledger(
    stages=(
        stage(PRE, 0, done=(
            "Entretiens avec des habitants qui ne viennent jamais aux conseils de quartier.",
            "Choix du quartier pilote avec son conseil de quartier.",
            "Maquette d'un world café : tables thématiques, un animateur par table, restitution finale.",
            "Prototype de l'application : proposer un sujet, s'inscrire à une table.",
            "Premier world café dans le quartier pilote : 38 participants, dont 25 nouveaux.",
            "Synthèse du world café remise au conseil de quartier.",
        ), learnt=(
            "Les habitants viennent pour un sujet concret, pas pour « la démocratie ».",
            "Le format en petites tables met à l'aise ceux qui ne prennent jamais la parole.",
            "Les propositions doivent recevoir une réponse, sinon la participation retombe.",
        ), blockers=(
            "", "Calendrier du conseil de quartier contraint.", "", "Hébergement de l'application à valider avec "
            "la DSI.",
        ), next_steps=(
            "Choisir le quartier pilote.",
            "Organiser le premier world café.",
            "Développer l'inscription en ligne aux tables.",
        ), confidence=(3, 4, 4, 3)),
        stage(STARTUP, 0, done=(
            "Deuxième world café, sur l'aménagement d'une place ; propositions transmises aux services.",
            "Développement de la restitution en ligne des propositions et des réponses des services.",
            "Test de l'inscription en ligne avec des habitants du quartier pilote.",
            "Point avec la direction générale sur le calendrier des élections municipales.",
        ), learnt=(
            "Les inscriptions en ligne viennent surtout des habitués.",
            "Les nouveaux participants viennent par le bouche-à-oreille et les affiches.",
            "Une réponse écrite des services à chaque proposition est attendue.",
        ), blockers=(
            "", "La période pré-électorale approche : prudence sur la communication.", "",
        ), next_steps=(
            "Ouvrir l'inscription en ligne au deuxième world café.",
            "Publier les réponses des services.",
            "Décider du calendrier avec la direction générale.",
        ), confidence=(4, 3, 3)),
        stage(STARTUP, date(2020, 9, 14), done=(
            "Reprise après le stand-by : revue du code et des retours des habitants de 2019.",
            "Rencontre avec l'association de collectivités qui mutualisent des logiciels libres.",
            "Publication du code sous licence libre ; documentation d'installation.",
            "Présentation de la plateforme à deux communes voisines.",
            "World café hybride, en ligne et en présentiel, avec une commune voisine.",
            "Guide d'animation pour les communes qui adoptent la plateforme.",
            "Bilan : trois communes voisines utilisent la plateforme.",
        ), learnt=(
            "Les communes voisines veulent un outil clé en main, avec un guide d'animation.",
            "Le format hybride élargit le public.",
            "Le logiciel libre rassure les communes sur la pérennité de l'outil.",
        ), blockers=(
            "", "Contraintes sanitaires sur les réunions en présentiel.", "", "Hébergement mutualisé à organiser "
            "avec l'association.",
        ), next_steps=(
            "Finaliser la plateforme.",
            "Tester la plateforme avec les communes voisines.",
            "Préparer la mise à disposition par l'association.",
        ), confidence=(3, 4, 4, 5)),
    ),
    team_notes=(
        (date(2019, 4, 15), 0, "Le conseil de quartier demande à garder le format en petites tables."),
        (date(2020, 11, 2), 1, "La version libre est prête à être installée ailleurs."),
    ),
    ongoing={
        PRE: ("Entretiens avec des habitants au marché du quartier.", "Point avec le conseil de quartier.",
              "Développement de l'application."),
        STARTUP: ("Développement et corrections de la plateforme.", "Réponses des services aux propositions.",
                  "Point avec les communes partenaires.", "Préparation du prochain world café.",
                  "Revue des retours des participants."),
    },
    tests=(
        Test("Un world café dans le quartier pilote",
             "Un world café sur un sujet concret attire des habitants qui ne viennent jamais aux réunions de "
             "quartier.",
             "Un world café sur l'aménagement du quartier pilote, annoncé par affiches, commerçants et "
             "inscription en ligne.",
             "Habitants du quartier pilote", 38,
             "Part de participants qui ne viennent jamais aux conseils de quartier", "Un tiers",
             date(2019, 3, 4), date(2019, 4, 12),
             "38 participants, dont 25 qui ne venaient jamais aux réunions.",
             "Le sujet concret et les petites tables font venir de nouveaux habitants.", "persevere"),
        Test("L'inscription en ligne aux tables",
             "L'inscription en ligne fait venir des habitants qui ne se déplacent pas aux réunions.",
             "Inscription en ligne au deuxième world café, à côté des affiches et du bouche-à-oreille.",
             "Habitants du quartier pilote", 57,
             "Part des nouveaux participants inscrits en ligne", "La moitié",
             date(2019, 6, 3), date(2019, 9, 20),
             "Les inscrits en ligne sont surtout des habitués ; les nouveaux viennent par le bouche-à-oreille.",
             "L'application complète l'animation de terrain, elle ne la remplace pas.", "persevere"),
        Test("La plateforme avec les communes voisines",
             "La plateforme, publiée en logiciel libre avec un guide d'animation, peut être reprise par d'autres "
             "communes sans l'équipe.",
             "Trois communes voisines installent la plateforme et animent un world café avec le guide.",
             "Agents et habitants de trois communes voisines", 140,
             "Communes qui animent un world café sans l'équipe", "2 sur 3",
             date(2020, 10, 5), date(2021, 3, 26),
             "Les trois communes ont animé leur world café ; 140 habitants y ont participé.",
             "La plateforme est prête à être essaimée, avec l'association pour la maintenir.", "persevere"),
    ),
    evidence=(
        Evidence(date(2019, 2, 22), "interviews", 22, "validated",
                 "22 habitants du quartier pilote : ils ne viennent pas faute de temps et parce que « tout est déjà "
                 "décidé » ; 17 viendraient pour un sujet concret."),
        Evidence(date(2019, 4, 12), "prototype_test", 38, "validated",
                 "Premier world café : 38 participants, dont 25 nouveaux ; 12 propositions remises au conseil de "
                 "quartier.", 1),
        Evidence(date(2019, 7, 12), "survey", 57, "mixed",
                 "Les participants apprécient le format ; l'inscription en ligne n'attire pas de nouveaux "
                 "habitants.", 2),
        Evidence(date(2021, 3, 19), "pilot", 140, "validated",
                 "Trois communes voisines ont animé un world café avec la plateforme et le guide, sans l'équipe.", 3),
    ),
    measures=(
        Measure("Participants aux world cafés", "participants", "Cumul des participants, toutes communes.", 200,
                date(2019, 4, 15), (
                    (date(2019, 4, 12), 38, "Premier world café"), (date(2019, 6, 21), 71, ""),
                    (date(2019, 9, 13), 96, ""), (date(2020, 11, 20), 131, "World café hybride"),
                    (date(2021, 2, 19), 187, ""), (date(2021, 3, 19), 236, "Trois communes voisines"))),
    ),
)

LEDGERS["Histologe"] = Ledger(
    stages=(
        stage(PRE, 0, done=(
            "Grille d'habitabilité en 20 critères, de l'humidité aux installations électriques.",
            "Visites de logements avec la grille, en binôme avec un inspecteur de salubrité.",
            "Comparaison des notes de la grille et de l'avis de l'inspecteur sur les premiers logements.",
            "Ajout de deux questions sur l'humidité et la ventilation.",
        ), learnt=(
            "Une grille simple suffit à un non-spécialiste pour repérer un logement à risque.",
            "La grille sous-estime l'humidité : il faut la questionner autrement.",
            "Les locataires acceptent la visite quand elle ne vient pas du propriétaire.",
        ), blockers=(
            "", "Accès aux coordonnées des ménages : cadre RGPD à valider avec le délégué à la protection des "
            "données.", "",
        ), next_steps=(
            "Tester la grille sur une trentaine de logements.",
            "Ajuster la grille avec les inspecteurs.",
        ), confidence=(3, 4, 4)),
        stage(PRE, date(2020, 3, 16), done=(
            "Confinement : visites suspendues ; passage à un autodiagnostic par téléphone et en ligne.",
            "Questionnaire d'habitabilité en ligne, diffusé par deux bailleurs sociaux et le CCAS.",
            "Appels aux ménages qui ont rempli le questionnaire ; orientation des situations à risque.",
            "Présentation du projet, en visioconférence, au jury du prix qui le distingue.",
            "Point avec la mentore, Sylvie Perrin, sur le passage en mode startup.",
        ), learnt=(
            "La note d'habitabilité parle aux habitants : ils comprennent où en est leur logement.",
            "Le confinement révèle des situations d'humidité et de suroccupation.",
            "Les situations repérées tôt se règlent souvent par un simple échange avec le bailleur.",
        ), blockers=(
            "Visites à domicile impossibles pendant le confinement.", "", "Les ménages sans internet ne "
            "remplissent pas le questionnaire : appels nécessaires.",
        ), next_steps=(
            "Lancer l'autodiagnostic à distance.",
            "Orienter chaque situation à risque vers le bon professionnel.",
            "Préparer la revue de pré-incubation.",
        ), confidence=(3, 4, 4, 5)),
        stage(STARTUP, 0, done=(
            "Tableau de suivi partagé avec deux bailleurs sociaux, la CAF et l'ADIL.",
            "Premier point mensuel avec les professionnels du logement : 20 situations passées en revue.",
            "Reprise des visites à domicile avec les précautions sanitaires.",
            "Questionnaire aux ménages suivis sur la note d'habitabilité.",
            "Formation des agents d'accueil du CCAS au repérage avec la grille.",
        ), learnt=(
            "Le délai entre le signalement et la première action passe de quatre mois à trois semaines.",
            "Les propriétaires occupants craignent d'être sanctionnés : il faut expliquer la démarche.",
            "Les professionnels utilisent la note comme langage commun.",
        ), blockers=(
            "", "Chaque partenaire a son propre outil de suivi.", "",
        ), next_steps=(
            "Installer le point mensuel avec les professionnels.",
            "Mesurer le délai de résolution des situations.",
            "Préparer la revue de mode startup.",
        ), confidence=(4, 4, 5)),
        stage(STARTUP, date(2020, 11, 16), done=(
            "Deuxième confinement : visites limitées, suivi par téléphone.",
            "Intégration du suivi dans les outils du service d'hygiène.",
            "Échanges avec d'autres territoires intéressés par la note d'habitabilité.",
            "Accompagnement par l'incubateur de startups d'État pour l'essaimage.",
            "Bilan des situations résolues depuis juin ; préparation de la revue.",
        ), learnt=(
            "Les autres territoires veulent la grille et le tableau de suivi, pas seulement l'outil.",
            "Le suivi doit vivre dans les outils du service, pas à côté.",
        ), blockers=(
            "Visites à nouveau limitées pendant le deuxième confinement.", "", "",
        ), next_steps=(
            "Intégrer le suivi aux outils du service d'hygiène.",
            "Préparer l'essaimage avec l'incubateur de startups d'État.",
        ), confidence=(4, 5, 4)),
    ),
    team_notes=(
        (date(2020, 3, 2), 0, "Les inspecteurs reprennent la grille pour leurs propres visites."),
        (date(2020, 9, 7), 1, "Un bailleur demande la note de tout son parc ancien."),
    ),
    ongoing={
        PRE: ("Visites de logements avec la grille.", "Appels aux ménages signalés.",
              "Orientation des situations à risque vers les partenaires."),
        STARTUP: ("Visites de logements et notation.", "Suivi des situations avec les bailleurs.",
                  "Point avec la CAF sur les situations communes.", "Mise à jour du tableau de suivi partagé.",
                  "Rappel des ménages suivis."),
    },
    tests=(
        Test("La grille d'habitabilité",
             "Une grille simple de 20 critères permet à un non-spécialiste de repérer un logement en voie de "
             "dégradation.",
             "Visites de logements avec la grille par l'équipe et des travailleurs sociaux ; comparaison avec "
             "l'avis d'un inspecteur de salubrité.",
             "Ménages de logements signalés par les travailleurs sociaux", 30,
             "Logements notés comme l'inspecteur", "8 sur 10",
             date(2020, 2, 3), date(2020, 3, 13),
             "26 logements sur 30 notés comme l'inspecteur ; la grille sous-estime l'humidité.",
             "Ajouter deux questions sur l'humidité et la ventilation.", "persevere"),
        Test("L'autodiagnostic à distance",
             "Pendant le confinement, les habitants peuvent noter eux-mêmes leur logement, en ligne ou par "
             "téléphone avec un agent.",
             "Questionnaire d'habitabilité en ligne et par téléphone, diffusé par les bailleurs sociaux et le "
             "CCAS ; rappel de chaque ménage.",
             "Locataires et propriétaires occupants", 140,
             "Situations à risque repérées et orientées", "50 situations orientées",
             date(2020, 3, 23), date(2020, 5, 7),
             "140 ménages notés ; 115 situations orientées vers un professionnel et en cours de résolution.",
             "Les habitants comprennent la note ; les professionnels demandent un suivi partagé.", "persevere"),
        Test("Le suivi partagé avec les professionnels",
             "Un tableau de suivi partagé entre la Ville, les bailleurs, la CAF et l'ADIL accélère la résolution "
             "des situations.",
             "Tableau de suivi partagé et point mensuel avec deux bailleurs sociaux, la CAF et l'ADIL.",
             "Professionnels du logement", 12,
             "Délai moyen entre le signalement et la première action", "Moins d'un mois",
             date(2020, 6, 2), date(2020, 10, 30),
             "Délai moyen ramené de quatre mois à trois semaines.",
             "Le suivi partagé fonctionne ; il doit vivre dans les outils des professionnels.", "persevere"),
        Test("La note d'habitabilité dans d'autres territoires",
             "La grille et le tableau de suivi peuvent être repris par un autre territoire sans l'équipe.",
             "Deux territoires testent la grille et le suivi, avec l'incubateur de startups d'État.",
             "Agents et partenaires de deux territoires", 18,
             "Territoires qui notent des logements sans l'équipe", "2 sur 2",
             date(2021, 1, 11), date(2021, 4, 30),
             "Les deux territoires notent des logements et suivent les situations avec leurs partenaires.",
             "Le service peut être essaimé ; il sera porté avec l'incubateur de startups d'État.", "persevere"),
    ),
    evidence=(
        Evidence(date(2020, 3, 13), "prototype_test", 30, "validated",
                 "26 logements sur 30 notés comme l'inspecteur de salubrité.", 1),
        Evidence(date(2020, 5, 7), "usage_data", 140, "validated",
                 "140 ménages ont noté leur logement pendant le confinement ; 115 situations sont orientées et en "
                 "cours de résolution.", 2),
        Evidence(date(2020, 6, 26), "interviews", 12, "validated",
                 "Bailleurs, CAF et ADIL adoptent la note d'habitabilité comme langage commun.", 3),
        Evidence(date(2020, 9, 25), "survey", 57, "mixed",
                 "Les locataires comprennent la note ; des propriétaires occupants craignent qu'elle serve à les "
                 "sanctionner.", 3),
    ),
    measures=(
        Measure("Situations en cours de résolution", "situations",
                "Situations à risque orientées vers un professionnel et suivies jusqu'à leur résolution.", 100,
                date(2020, 2, 17), (
                    (date(2020, 2, 28), 4, ""), (date(2020, 3, 13), 9, ""), (date(2020, 4, 3), 31, "Confinement"),
                    (date(2020, 4, 24), 74, ""), (date(2020, 5, 7), 115, "Présenté à la revue de pré-incubation"))),
        Measure("Situations résolues", "situations", "Cumul des situations résolues depuis le passage en mode "
                "startup.", None, date(2020, 6, 2), (
                    (date(2020, 6, 26), 14, ""), (date(2020, 9, 25), 47, ""), (date(2020, 12, 18), 88, ""),
                    (date(2021, 3, 26), 131, ""), (date(2021, 4, 30), 152, ""))),
    ),
    missing=(date(2020, 3, 16),),
)

LEDGERS["Simone & Co"] = Ledger(
    stages=(
        stage(PRE, 0, done=(
            "Entretiens avec des femmes accompagnées par le CCAS et des associations.",
            "Entretiens avec des infirmières scolaires et des travailleurs sociaux.",
            "Cartographie des lieux fréquentés par les personnes concernées.",
            "Composition du kit avec les personnes interrogées : protections jetables et lavables, notice.",
        ), learnt=(
            "La discrétion compte plus que la proximité.",
            "Les personnes préfèrent se servir seules plutôt que demander.",
            "Les protections lavables intéressent, à condition d'avoir de quoi les laver.",
        ), blockers=("", "Prise de contact lente avec les établissements scolaires.", ""),
            next_steps=(
            "Mener les entretiens avec les personnes concernées.",
            "Choisir les premiers points de distribution.",
        ), confidence=(4, 4, 3)),
        stage(PRE, date(2020, 3, 9), done=(
            "Ouverture de six points de distribution avec 300 kits.",
            "Confinement : seuls le CCAS et l'épicerie solidaire restent ouverts ; réassort des kits.",
            "Lecture des questionnaires anonymes glissés dans les kits.",
            "Bilan des premiers points de distribution.",
        ), learnt=(
            "Le confinement aggrave la précarité de nombreuses femmes.",
            "Les points ouverts pendant le confinement distribuent bien plus que prévu.",
        ), blockers=(
            "", "Infirmeries scolaires fermées pendant le confinement.", "Approvisionnement en kits tendu.",
        ), next_steps=(
            "Réassortir les points de distribution ouverts.",
            "Préparer la revue de pré-incubation.",
        ), confidence=(4, 3, 4, 5)),
        stage(STARTUP, 0, done=(
            "Bon de commande en ligne pour les points de distribution.",
            "Huit nouveaux points de distribution : maisons de quartier, associations, collèges.",
            "Rencontre avec des fournisseurs pour réduire le coût des kits.",
            "Commandes en forte hausse à la rentrée scolaire.",
        ), learnt=(
            "Les points de distribution commandent eux-mêmes quand le bon de commande est simple.",
            "Les collèges sont demandeurs dès la rentrée.",
        ), blockers=("", "Coût des kits à réduire pour tenir le rythme des commandes.", ""),
            next_steps=(
            "Ouvrir de nouveaux points de distribution.",
            "Négocier le prix des kits.",
        ), confidence=(4, 5, 4)),
        stage(STARTUP, date(2020, 10, 5), done=(
            "Plus de 1 000 kits commandés en octobre par les points de distribution.",
            "Statuts de l'association qui reprendra le projet, rédigés avec la porteuse.",
            "Convention de partenariat entre la Ville et la future association.",
            "Préparation du transfert à l'association.",
        ), learnt=(
            "Le besoin dépasse ce qu'une équipe d'agents peut porter seule.",
            "Une association peut recevoir des dons et des subventions que la Ville ne peut pas recevoir.",
        ), blockers=("", "Délais de création de l'association.", ""),
            next_steps=(
            "Créer l'association.",
            "Préparer la revue finale et le transfert.",
        ), confidence=(5, 4, 5)),
    ),
    team_notes=(
        (date(2020, 2, 24), 0, "Une infirmière scolaire nous demande des kits pour tout le collège."),
        (date(2020, 7, 6), 1, "Les points de distribution trouvent le bon de commande en ligne simple."),
    ),
    ongoing={
        PRE: ("Préparation des kits avec des bénévoles.", "Échange avec les travailleurs sociaux.",
              "Réassort des points de distribution."),
        STARTUP: ("Préparation et livraison des commandes.", "Réassort des points de distribution.",
                  "Point avec un nouveau point de distribution.", "Lecture des retours des questionnaires.",
                  "Suivi du stock de kits."),
    },
    tests=(
        Test("Où les personnes viennent-elles chercher un kit ?",
             "Les femmes concernées viennent chercher un kit dans un lieu qu'elles fréquentent déjà, si la remise "
             "est discrète.",
             "Entretiens avec des femmes accompagnées par le CCAS et des associations, et avec des infirmières "
             "scolaires ; cartographie des lieux fréquentés.",
             "Femmes et jeunes filles en précarité, infirmières scolaires, travailleurs sociaux", 26,
             "Points de distribution candidats", "5 lieux",
             date(2020, 2, 3), date(2020, 3, 6),
             "Les lieux cités : le CCAS, deux maisons de quartier, l'épicerie solidaire, les infirmeries des "
             "collèges. La discrétion compte plus que la proximité.",
             "Des kits en libre accès discret dans des lieux déjà fréquentés.", "persevere"),
        Test("Premiers points de distribution",
             "Des kits en libre accès discret dans six lieux identifiés sont pris par les personnes qui en ont "
             "besoin.",
             "Six points de distribution, 300 kits, un questionnaire anonyme dans chaque kit.",
             "Femmes et jeunes filles en précarité", 280,
             "Kits pris en cinq semaines", "200 kits",
             date(2020, 3, 9), date(2020, 4, 30),
             "Pendant le confinement, les points restés ouverts ont distribué 280 kits en cinq semaines.",
             "Le besoin est massif ; il faut un réassort simple.", "persevere"),
        Test("Les commandes par les points de distribution",
             "Les points de distribution commandent eux-mêmes leurs kits, sans passer par l'équipe.",
             "Un bon de commande en ligne pour quatorze points de distribution.",
             "Agents et bénévoles de 14 points de distribution", 14,
             "Kits commandés dans le mois", "500 par mois",
             date(2020, 6, 2), date(2020, 11, 6),
             "Plus de 1 000 kits commandés en octobre 2020.",
             "Le dispositif tient sans l'équipe ; il a besoin d'une structure pour grandir.", "persevere"),
    ),
    evidence=(
        Evidence(date(2020, 3, 6), "interviews", 26, "validated",
                 "Les personnes interrogées veulent des kits discrets, dans des lieux qu'elles fréquentent déjà.", 1),
        Evidence(date(2020, 4, 30), "usage_data", 280, "validated",
                 "280 kits pris en cinq semaines ; sur 64 questionnaires retournés, 9 sur 10 reviendraient.", 2),
        Evidence(date(2020, 9, 18), "survey", 14, "validated",
                 "Les 14 points de distribution trouvent le bon de commande simple et demandent plus de kits.", 3),
        Evidence(date(2020, 11, 6), "usage_data", 1040, "validated",
                 "1 040 kits commandés en octobre par les points de distribution.", 3,
                 lambda: ("kits-commandes-par-mois-2020.png", kits_png())),
    ),
    measures=(
        Measure("Kits distribués", "kits par mois", "Kits commandés dans le mois par les points de distribution.",
                1000, date(2020, 3, 16), tuple((day, value, "") for day, value in (
                    (date(2020, 3, 31), 120), (date(2020, 4, 30), 160), (date(2020, 5, 29), 210),
                    (date(2020, 6, 30), 340), (date(2020, 7, 31), 410), (date(2020, 8, 31), 380),
                    (date(2020, 9, 30), 720), (date(2020, 10, 30), 1040), (date(2020, 11, 30), 1085)))),
    ),
)

LEDGERS["Kameha Meha"] = Ledger(
    stages=(
        stage(PRE, 0, done=(
            "Rencontre des principaux et des CPE de deux collèges volontaires.",
            "Entretiens avec des élèves, menés par les médiatrices : les toilettes sont le seul lieu sans regard.",
            "Fabrication et pose des boîtes d'alerte dans les toilettes des deux collèges.",
            "Premier relevé des boîtes avec l'adulte référent : six messages.",
            "Vacances scolaires : bilan des deux premières semaines avec les CPE ; une boîte à remplacer.",
            "Reprise après les vacances : onze messages au total, dont trois situations suivies par les CPE. "
            "Jeudi, la fermeture des collèges est annoncée : les boîtes sont retirées, le test est suspendu.",
        ), learnt=(
            "Les élèves utilisent les boîtes si elles sont relevées souvent et qu'une réponse suit.",
            "Les témoins écrivent autant que les victimes.",
            "L'adulte référent doit être connu des élèves.",
        ), blockers=(
            "", "Accord des chefs d'établissement long à obtenir.", "Une boîte dégradée dans un collège.",
        ), next_steps=(
            "Obtenir l'accord des deux collèges.",
            "Poser les boîtes et désigner l'adulte référent.",
            "Relever les boîtes deux fois par semaine.",
        ), confidence=(4, 4, 3, 4, 4, 2)),
    ),
    team_notes=((date(2020, 3, 2), 0, "Les élèves demandent si les boîtes resteront après le test."),),
    ongoing={PRE: ("Relevé des boîtes avec l'adulte référent.", "Point avec les CPE des deux collèges.")},
    tests=(
        Test("Des boîtes d'alerte dans les toilettes",
             "Des élèves victimes ou témoins de harcèlement déposent un message anonyme si la boîte est placée là "
             "où personne ne les voit.",
             "Boîtes d'alerte dans les toilettes de deux collèges volontaires, relevées deux fois par semaine par "
             "un adulte référent.",
             "Élèves de deux collèges", None,
             "Messages déposés et situations suivies", "Au moins un message par semaine et par collège",
             date(2020, 2, 10), date(2020, 3, 13),
             "Test interrompu par le confinement après trois semaines de classe : 11 messages, dont 3 situations de "
             "harcèlement suivies par les CPE.",
             "Les boîtes sont utilisées ; le test doit reprendre sur une durée plus longue."),
    ),
    evidence=(
        Evidence(date(2020, 2, 7), "interviews", 24, "validated",
                 "24 élèves interrogés par les médiatrices : les toilettes sont le seul endroit où l'on peut déposer "
                 "un message sans être vu."),
    ),
    measures=(
        Measure("Messages déposés dans les boîtes", "messages", "Cumul des messages relevés dans les deux collèges.",
                None, date(2020, 2, 10), ((date(2020, 2, 21), 6, ""), (date(2020, 3, 13), 11, "Test suspendu"))),
    ),
    missing=(date(2020, 3, 2),),  # the second week of the winter school holidays
)

# The current cohort: days are counted from the start of pre-incubation (a Monday, see demo.cohort_start);
# its first review is on day 93, a Thursday; anything dated after `now` is left out.
LEDGERS["Retour en douceur"] = Ledger(
    stages=(
        stage(PRE, 0, done=(
            "Entretiens avec des agents revenus d'un arrêt de plus de trois mois.",
            "Entretiens avec des encadrants qui ont accueilli un agent après un long arrêt.",
            "Synthèse : le premier jour est le plus redouté, et personne n'a eu de contact pendant l'arrêt.",
        ), learnt=(
            "Le premier jour est le plus redouté.",
            "Les encadrants ne savent pas ce qu'ils ont le droit de demander pendant un arrêt.",
            "Un simple appel de l'équipe pendant l'arrêt change le retour.",
        ), blockers=("", "Trouver des agents prêts à raconter leur reprise prend du temps.", ""),
            next_steps=(
            "Mener les entretiens avec des agents et des encadrants.",
            "Faire la synthèse des entretiens.",
        ), confidence=(3, 3, 4)),
        stage(PRE, 35, done=(
            "Parcours de retour en quatre étapes : entretien, visite du poste, collègue référent, point à un mois.",
            "Premier parcours testé avec un agent de la Propreté.",
            "Quatre nouveaux parcours en cours, avec la médecine préventive.",
            "Bilan des cinq parcours testés.",
        ), learnt=(
            "La visite du poste avant la reprise est l'étape la plus appréciée.",
            "Le point à un mois est souvent oublié : il faut le programmer dès le départ.",
            "La médecine préventive est une alliée naturelle.",
        ), blockers=("", "Dates de reprise connues tardivement.", ""),
            next_steps=(
            "Tester le parcours avec cinq agents.",
            "Préparer la revue de pré-incubation.",
        ), confidence=(4, 4, 3, 4)),
        stage(STARTUP, 0, done=(
            "Guide de l'encadrant écrit avec trois encadrants volontaires.",
            "Lancement du pilote dans trois directions : Propreté, Éducation, Petite enfance.",
            "Point avec les encadrants du pilote : premières difficultés de planning.",
            "Formation courte des encadrants des trois directions.",
            "Questionnaire aux encadrants sur le guide.",
        ), learnt=(
            "Les encadrants adhèrent au parcours mais manquent de temps.",
            "Le collègue référent doit être volontaire.",
            "Les agents apprécient d'être appelés avant la reprise.",
        ), blockers=("", "Un encadrant du pilote change de poste.", "", "Planning des visites de poste serré."),
            next_steps=(
            "Lancer le pilote avec les trois directions.",
            "Mesurer les retours préparés sans l'équipe.",
        ), confidence=(4, 3, 4, 4)),
        stage(STARTUP, 196, done=(
            "Suivi des retours préparés par les encadrants sans l'équipe.",
            "Échange avec la DRH sur l'intégration du parcours au protocole de reprise.",
            "Bilan du pilote avec les trois directions.",
            "Préparation de la revue de mode startup.",
        ), learnt=(
            "Le parcours tient quand la DRH l'annonce à l'encadrant dès que la date de reprise est connue.",
            "Les directions non pilotes demandent déjà le guide.",
        ), blockers=("", "Qui portera le parcours après l'incubation : DRH ou directions ?", ""),
            next_steps=(
            "Préparer le bilan du pilote.",
            "Proposer un porteur du parcours après l'incubation.",
        ), confidence=(4, 4, 5)),
    ),
    team_notes=(
        (21, 2, "La visite du poste m'aurait beaucoup aidée à mon retour."),
        (120, 0, "Deux encadrants nous ont demandé le guide pour d'autres agents."),
        (210, 1, "La DRH peut prévenir l'encadrant dès que la date de reprise est connue."),
    ),
    ongoing={
        PRE: ("Prise de contact avec les agents qui reprennent bientôt.", "Point avec la médecine préventive.",
              "Compte rendu des entretiens de la semaine."),
        STARTUP: ("Suivi des parcours en cours avec les encadrants.", "Point avec la médecine préventive.",
                  "Appel aux agents revenus le mois dernier.", "Mise à jour du guide de l'encadrant.",
                  "Point avec la DRH sur les reprises à venir."),
    },
    tests=(
        Test("Ce qui manque au retour",
             "Les agents qui reprennent après un arrêt long manquent surtout d'un contact avant la reprise.",
             "Entretiens avec des agents revenus d'un arrêt de plus de trois mois et avec leurs encadrants.",
             "11 agents et 6 encadrants", 17,
             "Besoins cités par au moins la moitié des personnes", "Un besoin partagé",
             7, 32,
             "Le premier jour est le plus redouté ; personne n'a eu de contact avec son équipe pendant l'arrêt ; les "
             "encadrants ne savent pas ce qu'ils ont le droit de demander.",
             "Préparer le retour avant la reprise, avec l'encadrant et un collègue.", "persevere"),
        Test("Un parcours de retour en quatre étapes",
             "Un parcours préparé (entretien, visite du poste, collègue référent, point à un mois) rend la reprise "
             "plus sereine.",
             "Parcours testé avec cinq agents qui reprennent, avec leur encadrant et la médecine préventive.",
             "Agents qui reprennent après un arrêt long", 5,
             "Agents qui disent avoir repris plus sereinement", "3 sur 5",
             35, 88,
             "4 agents sur 5 disent avoir repris plus sereinement ; la visite du poste est l'étape la plus "
             "appréciée ; le point à un mois est souvent oublié.",
             "Le parcours fonctionne ; les encadrants doivent pouvoir le mener eux-mêmes.", "persevere"),
        Test("Le parcours mené par les encadrants",
             "Les encadrants peuvent mener le parcours eux-mêmes, avec un guide, sans l'équipe projet.",
             "Pilote dans trois directions (Propreté, Éducation, Petite enfance) avec le guide de l'encadrant.",
             "Encadrants et agents de trois directions", 14,
             "Retours préparés sans l'équipe", "10 sur 14",
             101),
    ),
    evidence=(
        Evidence(31, "interviews", 17, "validated",
                 "11 agents et 6 encadrants : tous décrivent un retour sans préparation ; 14 jugent utile un contact "
                 "avant la reprise.", 1),
        Evidence(87, "prototype_test", 5, "validated",
                 "4 agents sur 5 disent avoir repris plus sereinement ; leurs encadrants referaient le parcours.", 2),
        Evidence(203, "survey", 23, "mixed",
                 "Les encadrants approuvent le parcours et le guide, mais la moitié disent manquer de temps pour la "
                 "visite du poste.", 3),
    ),
    measures=(
        Measure("Retours préparés", "agents", "Agents dont la reprise a suivi le parcours, depuis le début.", 30, 40, (
            (56, 1, ""), (77, 3, ""), (91, 5, "Bilan de pré-incubation"), (120, 8, ""), (150, 12, ""),
            (180, 15, ""), (210, 19, ""), (240, 23, ""))),
    ),
    missing=(154,),
    holidays=False,
    recent_missing=1,
)

LEDGERS["Punaises de lit : agir dès le premier signalement"] = Ledger(
    stages=(
        stage(PRE, 0, done=(
            "Analyse des signalements de l'année : la plupart arrivent après plusieurs mois d'infestation.",
            "Entretiens avec des locataires qui ont connu une infestation.",
            "Numéro direct et visite sous 72 heures, mis en place avec deux bailleurs sociaux.",
            "Premières visites au premier signalement.",
            "Bilan des signalements traités au premier stade.",
        ), learnt=(
            "Les locataires ont honte d'en parler : ils attendent et traitent seuls.",
            "Une réponse rapide et sans jugement fait signaler plus tôt.",
            "Les produits achetés en magasin aggravent souvent la situation.",
        ), blockers=("", "Délai de rendez-vous avec les bailleurs.", ""),
            next_steps=(
            "Mener les entretiens avec des locataires.",
            "Mettre en place le numéro direct avec les bailleurs.",
            "Mesurer le délai entre le signalement et la visite.",
        ), confidence=(3, 4, 4)),
        stage(PRE, 63, done=(
            "Proposition d'un protocole de partage du coût du traitement à trois bailleurs.",
            "Suivi des ménages visités : traitements en cours.",
            "Préparation de la revue de pré-incubation.",
            "Relance des bailleurs sur le protocole.",
        ), learnt=(
            "Les bailleurs acceptent le principe si le diagnostic est fait tôt.",
            "Le coût du traitement reste le premier frein pour les ménages modestes.",
        ), blockers=("Deux bailleurs attendent un avis juridique.", "", "La charge du service d'hygiène augmente."),
            next_steps=(
            "Obtenir l'accord des bailleurs sur le protocole.",
            "Préparer la reprise après le stand-by.",
        ), confidence=(3, 3, 2)),
        stage(PRE, 172, done=(
            "Reprise après le stand-by : point avec les deux bailleurs.",
            "Deux bailleurs sur trois signent le protocole de partage du coût.",
            "Guide illustré pour les locataires : première version testée avec des ménages.",
            "Ajustement du guide : moins de texte, plus d'images.",
        ), learnt=(
            "Un guide court et illustré est lu ; un dépliant de texte ne l'est pas.",
            "Les voisins d'un logement infesté veulent être prévenus.",
        ), blockers=("", "Le troisième bailleur n'a toujours pas répondu.", ""),
            next_steps=(
            "Tester le guide avec une dizaine de ménages.",
            "Préparer la revue de pré-incubation, décalée par le stand-by.",
        ), confidence=(4, 3, 4)),
    ),
    team_notes=(
        (30, 0, "Les locataires rappellent d'eux-mêmes quand la visite a été rapide."),
        (210, 1, "Le guide doit exister en plusieurs langues."),
    ),
    ongoing={PRE: ("Visites au premier signalement.", "Suivi des traitements en cours.",
                   "Échange avec les bailleurs sur les signalements de la semaine.",
                   "Appels aux voisins des logements infestés.")},
    tests=(
        Test("Répondre au premier signalement",
             "Les locataires signalent plus tôt une infestation si on leur garantit une réponse rapide et sans "
             "jugement.",
             "Numéro direct et visite sous 72 heures pour les locataires de deux bailleurs sociaux.",
             "Locataires de deux bailleurs sociaux", 19,
             "Signalements au premier stade de l'infestation", "La moitié des signalements",
             7, 55,
             "19 signalements en six semaines, dont 12 au premier stade ; visite en 2,5 jours en moyenne.",
             "La réponse rapide fonctionne ; reste le coût du traitement pour les ménages modestes.", "persevere"),
        Test("Partager le coût du traitement",
             "Les bailleurs acceptent de partager le coût du traitement si le diagnostic est fait tôt.",
             "Protocole commun proposé à trois bailleurs sociaux.",
             "Responsables de trois bailleurs sociaux", 6,
             "Bailleurs qui signent le protocole", "2 sur 3",
             60, 196,
             "Deux bailleurs sur trois signent après la reprise ; le troisième n'a pas répondu.",
             "Le protocole est acceptable ; il faut l'étendre aux bailleurs privés.", "persevere"),
        Test("Le guide illustré pour les locataires",
             "Un guide court et illustré aide les locataires à préparer le traitement et à éviter la propagation.",
             "Guide testé avec des ménages visités, puis ajusté.",
             "Ménages visités", 12,
             "Ménages qui suivent les consignes de préparation", "8 sur 10",
             203),
    ),
    evidence=(
        Evidence(27, "interviews", 21, "validated",
                 "21 locataires : ils ont attendu en moyenne trois mois avant de signaler, par honte ou par peur "
                 "du coût."),
        Evidence(54, "pilot", 19, "validated",
                 "19 signalements en six semaines, dont 12 au premier stade de l'infestation.", 1),
        Evidence(230, "prototype_test", 12, "mixed",
                 "Le guide illustré est compris ; les ménages allophones ont besoin d'une version traduite.", 3),
    ),
    measures=(
        Measure("Signalements traités au premier stade", "signalements",
                "Signalements traités avant que l'infestation ne gagne le logement ou les voisins (cumul).", 40, 20, (
                    (41, 4, ""), (55, 12, ""), (90, 19, ""), (110, 23, ""), (190, 27, "Après le stand-by"),
                    (220, 33, ""), (250, 38, ""))),
    ),
    holidays=False,
    recent_missing=2,
)

LEDGERS["Sport sur ordonnance dans les parcs"] = Ledger(
    stages=(
        stage(PRE, 0, done=(
            "Rencontre de quatre médecins volontaires et de la Maison sport-santé du territoire.",
            "Choix de deux parcs et des horaires des séances.",
            "Premières séances : 9 patients sur 23 prescrits.",
            "Relance téléphonique des patients absents.",
            "Entretiens avec des patients qui ne sont pas venus.",
            "Bilan : 3 patients encore présents après un mois.",
            "Rencontre avec la Maison sport-santé : elle accompagne déjà ces patients.",
        ), learnt=(
            "Les horaires en journée écartent les patients qui travaillent.",
            "Beaucoup redoutent le regard des autres dans un parc.",
            "Ce qui manque, c'est que les médecins connaissent la Maison sport-santé.",
        ), blockers=("", "Peu de prescriptions reçues.", "Météo : deux séances annulées.", ""),
            next_steps=(
            "Organiser les premières séances.",
            "Comprendre pourquoi les patients ne viennent pas.",
            "Préparer la revue de pré-incubation.",
        ), confidence=(4, 3, 2, 2, 2)),
    ),
    team_notes=((63, 0, "Les patients présents sont très assidus, mais trop peu nombreux."),),
    ongoing={PRE: ("Séances du mardi et du jeudi dans les deux parcs.", "Relances des patients absents.",
                   "Point avec les médecins prescripteurs.")},
    tests=(
        Test("Des séances dans les parcs sur prescription",
             "Les patients à qui leur médecin prescrit une activité physique viennent à des séances gratuites dans "
             "un parc proche.",
             "Deux séances par semaine dans deux parcs, animées par un éducateur sportif, sur prescription de "
             "quatre médecins volontaires.",
             "Patients atteints de maladies chroniques", 23,
             "Patients encore présents après un mois", "12 sur 23",
             14, 75,
             "9 patients sur 23 viennent à la première séance, 3 sont encore présents après un mois. Les absents "
             "citent les horaires et la peur du regard des autres ; la Maison sport-santé les accompagne déjà.",
             "Le besoin est réel mais la réponse existe : ce qui manque, c'est que les médecins connaissent la "
             "Maison sport-santé.", "stop"),
    ),
    evidence=(
        Evidence(10, "interviews", 4, "validated",
                 "Les quatre médecins prescrivent une activité physique chaque semaine et ne savent pas où orienter "
                 "leurs patients."),
        Evidence(72, "pilot", 23, "not_validated",
                 "9 patients sur 23 venus à la première séance, 3 encore présents après un mois.", 1),
    ),
    measures=(
        Measure("Patients présents aux séances", "patients", "Patients présents à la dernière séance de la semaine.",
                12, 21, ((28, 9, "Première séance"), (42, 6, ""), (56, 4, ""), (70, 3, ""))),
    ),
    holidays=False,
)


# --- Attachments, made in code (no binary file in the repository) ---------------------------

def pdf_document(title: str, paragraphs: list[str]) -> bytes:
    """A one-page PDF (Helvetica, WinAnsi encoding) with a title and wrapped paragraphs."""
    def text(value: str) -> str:
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 15 Tf", "56 780 Td", f"({text(title)}) Tj", "/F1 10.5 Tf", "0 -30 Td"]
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, 92) or [""]:
            ops += [f"({text(line)}) Tj", "0 -15 Td"]
        ops.append("0 -6 Td")
    ops.append("ET")
    stream = "\n".join(ops).encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def png_bars(values: list[float], width: int = 360, height: int = 180) -> bytes:
    """A small PNG bar chart (no text: the evidence's notes say what it shows)."""
    white, axis, bar = b"\xff\xff\xff", b"\x66\x66\x66", b"\x00\x6e\x6e"
    margin, top = 12, max(values) or 1
    slot = (width - 2 * margin) // len(values)
    rows = []
    for y in range(height):
        row = bytearray(white * width)
        for x in range(width):
            if y == height - margin or x == margin:
                row[3 * x:3 * x + 3] = axis
            elif margin < x and y < height - margin:
                index, offset = divmod(x - margin - 1, slot)
                if index < len(values) and 3 <= offset < slot - 3:
                    bar_height = round(values[index] / top * (height - 2 * margin - 10))
                    if y >= height - margin - bar_height:
                        row[3 * x:3 * x + 3] = bar
        rows.append(b"\x00" + bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def interviews_pdf() -> bytes:
    return pdf_document("Poubelle Battle - entretiens au pied des tours (avril 2019)", [
        "18 entretiens menés par l'équipe au pied de trois tours du quartier pilote, après trois semaines de "
        "test de la maquette du concours entre immeubles.",
        "15 personnes sur 18 jugent le concours inutile ou gênant : « on ne va pas se battre avec les voisins », "
        "« le classement, ça ne m'intéresse pas ».",
        "Les 18 personnes demandent une solution pratique : où composter quand on vit en appartement, qui peut "
        "prendre les épluchures, comment éviter les odeurs.",
        "11 habitants connaissent un voisin qui a un jardin, un composteur ou des poules.",
        "Conclusion de l'équipe : les habitants ne valident pas la gamification. Piste retenue : une plateforme "
        "d'échange qui aide les habitants à composter.",
    ])


def kits_png() -> bytes:
    values = next(m for m in LEDGERS["Simone & Co"].measures if m.name == "Kits distribués").values
    return png_bars([value for _, value, _ in values])


# --- Playing the ledger ------------------------------------------------------------------------

class Span(NamedTuple):
    """A stretch of incubation in one phase (a stand-by ends one, `resume` starts the next)."""

    phase: str
    start: datetime
    end: datetime | None  # None: still running


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def _paris_date(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def _spans(steps, definition) -> list[Span]:
    spans: list[Span] = []
    phase = held = since = None
    for at, name, _ in sorted(steps, key=lambda step: step[0]):
        event = definition.events[name]
        ends = (event.starts_phase or event.hold
                or (not event.stay and event.dest is not None and definition.states[event.dest].final))
        if phase and ends:
            spans.append(Span(phase, since, at))
            if event.hold:
                held = phase
            phase = None
        if event.starts_phase:
            phase, since = event.starts_phase, at
        elif event.release:
            phase, since = held, at
    if phase:
        spans.append(Span(phase, since, None))
    return spans


def _log_weeks(spans: list[Span], now: datetime) -> list[tuple[date, datetime, str]]:
    """(Monday, when the coach writes, phase) for each week the project was active at least a day: Friday
    17:00, or two hours before the phase ended when it ended before."""
    weeks = []
    monday = week_start(_paris_date(spans[0].start))
    last = week_start(_paris_date(min(spans[-1].end or now, now)))
    while monday <= last:
        begin, end = _at(monday, 0), _at(monday + timedelta(days=7), 0)
        parts = [(s.phase, max(s.start, begin), min(s.end or end, end)) for s in spans
                 if s.start < end and (s.end is None or s.end > begin)]
        if parts and sum((b - a for _, a, b in parts), timedelta()) >= timedelta(days=1):
            friday = _at(monday + timedelta(days=4), 17)
            inside = [p for p in parts if p[1] <= friday < p[2]]
            if inside:
                moment, phase = friday, inside[0][0]
            else:
                phase, began, ended = max(parts, key=lambda p: p[2])
                moment = ended - timedelta(hours=2)
                if moment < began:
                    moment = None
            if moment is not None and moment <= now:
                weeks.append((monday, moment, phase))
        monday += timedelta(days=7)
    return weeks


def _spread(lines: tuple[str, ...], j: int, n: int) -> str:
    """Each line once, spread over the stage's n weeks: said the first week of its share, not after."""
    index = j * len(lines) // n
    return lines[index] if j == 0 or (j - 1) * len(lines) // n != index else ""


def _on_holiday(monday: date) -> bool:
    """The week after Christmas and a mid-August week: the coach does not write."""
    return (monday.month == 12 and monday.day >= 22) or (monday.month == 8 and 9 <= monday.day <= 15)


def ledger_actions(incubated: list[Incubated], people: dict[str, User],
                   now: datetime) -> list[tuple[datetime, Callable[[], None]]]:
    """Every write of the projects' ledgers as (when, what), for the loader to play in time order with the
    workflow events; writes dated after `now` are left out."""
    actions = []
    for item in incubated:
        ledger = LEDGERS.get(item.project.title)
        if ledger is None:
            raise ValueError(f"no demo ledger for {item.project.title!r}")
        actions += _Player(item, ledger, people, now).actions()
    return actions


class _Player:
    """One project's ledger as dated actions, through the real operations."""

    def __init__(self, item: Incubated, ledger: Ledger, people: dict[str, User], now: datetime):
        self.item, self.ledger, self.now = item, ledger, now
        self.project = item.project
        self.definition = get_definition(self.project.call.workflow)
        self.spans = _spans(item.steps, self.definition)
        self.start = self.spans[0].start
        self.start_day = _paris_date(self.start)
        last = self.spans[-1]
        final = last.end is not None and not any(
            self.definition.events[name].hold and at == last.end for at, name, _ in item.steps)
        self.closed_at = last.end if final else None
        self.events = sorted((at, name) for at, name, _ in item.steps if at >= self.start)
        self.team = [people[key] for key in item.team]
        self.coaches = [people[key] for key in item.coaches]
        self.iterations: dict[int, object] = {}
        self.indicators: dict[str, object] = {}
        self.out: list[tuple[datetime, Callable[[], None]]] = []

    def day(self, value: Day) -> date:
        return value if isinstance(value, date) else self.start_day + timedelta(days=value)

    def at(self, value: Day, hour: int, minute: int = 0) -> datetime:
        return _at(self.day(value), hour, minute)

    def add(self, moment: datetime, action: Callable[[], None]) -> None:
        if moment > self.now:
            return
        if moment < self.start or (self.closed_at is not None and moment >= self.closed_at):
            raise ValueError(f"{self.project.title}: a ledger write on {moment:%Y-%m-%d %H:%M} is outside its "
                             "incubation")
        self.out.append((moment, action))

    def actions(self) -> list[tuple[datetime, Callable[[], None]]]:
        self.logs()
        self.tests()
        self.evidence()
        self.measures()
        return self.out

    # weekly logs
    def logs(self) -> None:
        ledger = self.ledger
        skipped = {week_start(self.day(d)) for d in ledger.missing}
        this_week = week_start(_paris_date(self.now))
        recent = {this_week - timedelta(weeks=n) for n in range(1, ledger.recent_missing + 1)}
        weeks = [(monday, moment, phase) for monday, moment, phase in _log_weeks(self.spans, self.now)
                 if monday not in skipped | recent and not (ledger.holidays and _on_holiday(monday))]
        stages = [self.stage_for(phase, monday) for monday, _, phase in weeks]
        counts: dict[int, int] = {}
        for chosen in stages:
            counts[id(chosen)] = counts.get(id(chosen), 0) + 1
        seen: dict[int, int] = {}
        notes = sorted(((self.day(day), member, text) for day, member, text in ledger.team_notes), key=lambda n: n[0])
        previous = None
        for k, ((monday, moment, phase), chosen) in enumerate(zip(weeks, stages, strict=True)):
            j, n = seen.get(id(chosen), 0), counts[id(chosen)]
            seen[id(chosen)] = j + 1
            following = next(((at, name) for at, name in self.events if at > moment), None)
            review_soon = (following is not None and following[0] - moment <= timedelta(days=7)
                           and self.definition.events[following[1]].review)
            reviewed = any(_at(monday, 0) <= at < moment and self.definition.events[name].review
                           for at, name in self.events)
            step = (id(chosen), j * len(chosen.done) // n)
            if step != previous:  # a new step of the stage: say it
                done = chosen.done[step[1]]
            else:  # the same step goes on: what else the week held (two of the phase's usual tasks)
                ongoing = ledger.ongoing.get(phase) or ROUTINE[phase]
                first = k % len(ongoing)
                second = (first + 1 + k // len(ongoing)) % len(ongoing)
                done = ongoing[first] + ("" if second == first else " " + ongoing[second])
            previous = step
            if k % 2:
                done += " " + ROUTINE[phase][k // 2 % len(ROUTINE[phase])]
            fields = {
                "done": done,
                "learnt": _spread(chosen.learnt, j, n),
                "blockers": _spread(chosen.blockers, j, n),
                "next_steps": (REVIEW_NEXT if review_soon else REVIEWED_NEXT if reviewed
                               else chosen.next_steps[j * len(chosen.next_steps) // n]),
                "confidence": chosen.confidence[j % len(chosen.confidence)],
                "days_spent": round(len(self.team) * DAYS_PER_AGENT[phase] * DAYS_FACTOR[k % len(DAYS_FACTOR)]
                                    * 2) / 2,
            }
            coach = self.coaches[k % len(self.coaches)]
            self.add(moment, partial(save_log, self.project, coach, monday, at=moment, **fields))
            note_at = moment + timedelta(hours=1)
            if (notes and notes[0][0] < monday + timedelta(days=7) and note_at <= self.now
                    and (following is None or note_at < following[0])):
                _, member, text = notes.pop(0)
                self.add(note_at, partial(save_log, self.project, self.team[member], monday, at=note_at,
                                          team_note=text, **fields))
        if notes and self.closed_at is not None:
            raise ValueError(f"{self.project.title}: team notes left without a log: {notes}")

    def stage_for(self, phase: str, monday: date) -> Stage:
        chosen = None
        for candidate in self.ledger.stages:
            if candidate.phase == phase and (chosen is None or week_start(self.day(candidate.since)) <= monday):
                chosen = candidate
        if chosen is None:
            raise ValueError(f"{self.project.title}: no weekly-log stage for {phase}")
        return chosen

    # test-and-learn iterations
    def tests(self) -> None:
        author = self.team[0]
        for number, test in enumerate(self.ledger.tests, 1):
            fields = {"title": test.title, "hypothesis": test.hypothesis, "experiment": test.experiment,
                      "audience": test.audience, "users_count": test.users_count, "measure": test.measure,
                      "target": test.target, "started_on": self.day(test.started)}
            self.add(self.at(test.started, 11), partial(self.open_test, number, author, fields,
                                                        self.at(test.started, 11)))
            if test.ended is not None:
                fields = {**fields, "ended_on": self.day(test.ended), "result": test.result,
                          "learning": test.learning, "decision": test.decision, "pivot_change": test.pivot_change}
                self.add(self.at(test.ended, 16), partial(self.close_test, number, author, fields,
                                                          self.at(test.ended, 16)))

    def open_test(self, number: int, author: User, fields: dict, moment: datetime) -> None:
        iteration = save_iteration(self.project, author, at=moment, **fields)
        if iteration.number != number:
            raise ValueError(f"{self.project.title}: iteration {iteration.number} written as {number}")
        self.iterations[number] = iteration

    def close_test(self, number: int, author: User, fields: dict, moment: datetime) -> None:
        save_iteration(self.project, author, self.iterations[number], at=moment, **fields)

    # user-validation evidence
    def evidence(self) -> None:
        author = self.team[1 % len(self.team)]
        for item in self.ledger.evidence:
            moment = self.at(item.held_on, 18, 30)
            self.add(moment, partial(self.add_evidence, item, author, moment))

    def add_evidence(self, item: Evidence, author: User, moment: datetime) -> None:
        files = []
        if item.attachment is not None:
            name, data = item.attachment()
            files.append(FileStorage(stream=BytesIO(data), filename=name))
        iteration = self.iterations[item.iteration].id if item.iteration else None
        add_validation(self.project, author, method=item.method, users_count=item.users_count,
                       held_on=self.day(item.held_on), verdict=item.verdict, notes=item.notes,
                       iteration_id=iteration, files=files, at=moment)

    # impact indicators
    def measures(self) -> None:
        author = self.team[0]
        for measure in self.ledger.measures:
            declared = self.at(measure.declared, 10)
            self.add(declared, partial(self.declare, measure, author, declared))
            for day, value, note in measure.values:
                moment = max(self.at(day, 18, 45), declared + timedelta(hours=1))
                self.add(moment, partial(self.record, measure.name, author, self.day(day), value, note, moment))

    def declare(self, measure: Measure, author: User, moment: datetime) -> None:
        self.indicators[measure.name] = declare_indicator(
            self.project, author, name=measure.name, unit=measure.unit, description=measure.description,
            target=measure.target, at=moment)

    def record(self, name: str, author: User, day: date, value: float, note: str, moment: datetime) -> None:
        record_value(self.indicators[name], author, measured_on=day, value=value, note=note, at=moment)


# --- After the story: the reminders of the last weeks, and yesterday's news read -------------------

REMINDER_MONDAYS = 4  # the weekly-log checks of the last Mondays (9:00) run as the scheduler would have
RECENT_REVIEWS = timedelta(weeks=5)  # and the review reminders that fell due this recently
READ_AFTER = timedelta(days=14)  # older notifications show as read


def settle(incubated: list[Incubated], now: datetime) -> None:
    """What the scheduler would have done lately for the projects incubating now (weekly-log checks, a
    review due), through the timers' own handlers; then older notifications are marked read."""
    db.session.flush()
    live = [i.project for i in incubated if is_incubating(i.project) and i.project.clock_stopped_at is None]
    due: list[Timer] = []
    this_week = week_start(_paris_date(now))
    for project in live:
        db.session.expire(project, ["review_due_at"])  # as the scheduler reads it: from the database, in UTC
        for weeks_ago in range(REMINDER_MONDAYS):
            monday = this_week - timedelta(weeks=weeks_ago)
            checked = monday - timedelta(days=7)
            at = _at(monday, timers.LOG_CHECK_HOUR)
            if at <= now:
                due.append(Timer(key=f"weekly_log:{project.id}:{week_label(checked)}", kind="weekly_log",
                                 due_at=at, project_id=project.id, params={"monday": checked.isoformat()}))
        review = project.review_due_at
        if review is not None and now - RECENT_REVIEWS <= review <= now:
            due.append(Timer(key=f"review_due:{project.id}:{timers.stamp(review)}", kind="review_due",
                             due_at=review, project_id=project.id, params={"due_at": review.isoformat()}))
    for timer in sorted(due, key=lambda t: t.due_at):
        timer.created_at = timer.done_at = timer.due_at
        db.session.add(timer)
        db.session.flush()
        outcome, _ = timers.HANDLERS[timer.kind](timer, timer.due_at)
        timer.outcome = outcome[:300]
    cutoff = now - READ_AFTER
    old = (Notification.created_at < cutoff,)
    db.session.execute(update(Notification).where(*old, Notification.read_at.is_(None))
                       .values(read_at=Notification.created_at).execution_options(synchronize_session=False))
    db.session.execute(update(Notification).where(*old, Notification.email_state.in_(("pending", "digest")))
                       .values(email_state="off").execution_options(synchronize_session=False))
    db.session.flush()
