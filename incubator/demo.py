"""The demo data: the City of Pau's intrapreneurship programme, its calls and their projects, its
pitch days, and a small idea forum run the Nantes way (a jury of agents drawn at random).

Everything below is data (people, calls, submissions, the six real projects and their
stories, the juries and their score sheets); the code at the end plays it through the real
services, the jury operations and the workflow engine, so every state in the demo was reached
by firing its events, and every jury decision was taken at a pitch session, with historical dates.
The incubation ledger of every incubated project (weekly logs, iterations, user-validation evidence,
impact indicators) is in incubator.demo_incubation, played in time order with the events. A current
cohort (a thematic call, its pitch day and three projects) is dated from `now`, so that the demo always
has projects in incubation today, with recent weeks missing and reviews due.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from .auth.operations import create_user, find_user
from .calls.operations import create_call, default_questionnaire
from .clock import aware, utcnow
from .demo_incubation import Incubated, ledger_actions, settle
from .extensions import db
from .jury import operations as jury
from .jury.models import Juror, PitchSession
from .models import Call, Programme, Project, User
from .opendata.demo import load_demo_publications
from .projects.operations import assign_coach, create_project
from .workflows import Definition, fire, get_definition

DEMO_PASSWORD = "demo-incubateur"  # demo data, printed by `incubator demo`: not a secret
DEMO_DOMAIN = "demo.incubateur.fr"
PARIS = ZoneInfo("Europe/Paris")
WORKFLOW = "pau"

PROGRAMME = "Programme d'intrapreneuriat de la Ville de Pau"
ORGANISATION = "Ville de Pau"
PROGRAMME_DESCRIPTION = (
    "Tout agent de la Ville, quel que soit son grade, qui voit un problème sur le terrain et a "
    "une idée pour le résoudre peut candidater. L'équipe du programme présélectionne une dizaine "
    "de projets ; chaque équipe de 2 ou 3 agents reçoit une matinée de coaching puis présente son "
    "projet à un jury de directeurs et d'élus. Les projets retenus passent 3 mois en "
    "pré-incubation (un jour par semaine), puis au moins 6 mois en mode startup, avec "
    "l'incubateur de startups d'État. Le problème compte plus que la première solution : ce "
    "sont les usagers qui la valident, ou non."
)

# The call questionnaire in French, whatever locale the loading process runs in.
QUESTION_LABELS = {
    "affected": "Qui souffre de ce problème ?",
    "frequency": "À quelle fréquence se produit-il ?",
    "evidence": "Quels éléments avez-vous (faits, chiffres, témoignages) ?",
}


def paris(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


# --- People (all fictional) --------------------------------------------------------------

SERVICES = {
    "sante": "Direction de la Solidarité et de la Santé",
    "proprete": "Direction Propreté et Déchets",
    "voirie": "Direction de la Voirie et des Espaces publics",
    "education": "Direction de l'Éducation",
    "sport": "Direction des Sports",
    "rh": "Direction des Ressources humaines",
    "lecture": "Direction de la Lecture publique",
    "quartiers": "Direction de la Citoyenneté et de la Vie des quartiers",
    "nature": "Direction des Espaces verts et de la Nature en ville",
    "habitat": "Direction de l'Habitat et du Renouvellement urbain",
    "si": "Direction des Systèmes d'information",
    "tranquillite": "Direction de la Tranquillité publique",
    "enfance": "Direction de la Petite enfance",
    "batiments": "Direction du Patrimoine bâti",
    "culture": "Direction de la Culture",
    "finances": "Direction des Finances et de la Commande publique",
    "mobilite": "Direction des Mobilités",
    "usagers": "Direction de la Relation aux usagers",
    "innovation": "Direction de la Transformation et de l'Innovation",
    "dg": "Direction générale des services",
    "cabinet": "Cabinet du Maire",
    "incubateur": "Incubateur de startups d'État",
}


class Person(NamedTuple):
    name: str
    service: str  # a key of SERVICES
    title: str
    role: str = "agent"


# The five accounts printed by `incubator demo`; their e-mail is ROLE@demo.incubateur.fr.
DEMO_ACCOUNTS = {
    "agent": Person("Claire Dubois", "sante", "Inspectrice de salubrité", "agent"),
    "coach": Person("Julien Moreau", "innovation", "Coach en innovation publique", "coach"),
    "staff": Person("Nathalie Garnier", "innovation", "Cheffe de projet intrapreneuriat", "staff"),
    "jury": Person("Isabelle Rousseau", "dg", "Directrice générale des services", "jury"),
    "admin": Person("Thomas Lemaire", "si", "Administrateur de l'application", "admin"),
}

# Everyone else; e-mail firstname.lastname@demo.incubateur.fr, same demo password.
PEOPLE = {
    "elu": Person("Alain Dupuy", "cabinet", "Adjoint au maire délégué à l'innovation", "jury"),
    "dga": Person("Sylvie Perrin", "dg", "Directrice générale adjointe Solidarités et Citoyenneté", "jury"),
    "dproprete": Person("Patrick Laborde", "proprete", "Directeur Propreté et Déchets", "jury"),
    "conseillere": Person("Martine Etcheverry", "cabinet",
                          "Conseillère municipale déléguée à la participation citoyenne", "jury"),
    "coach_etat": Person("Élodie Masson", "incubateur", "Coach, incubateur de startups d'État", "coach"),
    "slefort": Person("Sandrine Lefort", "sante", "Conseillère en économie sociale et familiale"),
    "mhaddad": Person("Mehdi Haddad", "sante", "Animateur seniors"),
    "lbarbier": Person("Lucie Barbier", "sante", "Chargée de prévention santé"),
    "achevalier": Person("Aurélie Chevalier", "proprete", "Ambassadrice du tri"),
    "fguerin": Person("Franck Guérin", "proprete", "Chef d'équipe collecte"),
    "lpicard": Person("Laurent Picard", "voirie", "Technicien voirie"),
    "nbelkacem": Person("Nadia Belkacem", "voirie", "Agente de maîtrise, éclairage public"),
    "croux": Person("Céline Roux", "education", "Responsable de restauration scolaire"),
    "pmercier": Person("Pascal Mercier", "education", "Coordinateur périscolaire"),
    "vblanc": Person("Virginie Blanc", "education", "Agente territoriale spécialisée des écoles maternelles"),
    "sgiraud": Person("Sébastien Giraud", "sport", "Éducateur sportif"),
    "hmarchand": Person("Hélène Marchand", "rh", "Chargée de recrutement"),
    "orenaud": Person("Olivier Renaud", "rh", "Conseiller en prévention"),
    "mlambert": Person("Marion Lambert", "lecture", "Bibliothécaire jeunesse"),
    "ymorel": Person("Yannick Morel", "quartiers", "Agent de développement local"),
    "fouali": Person("Fatima Ouali", "quartiers", "Médiatrice de quartier"),
    "jcaron": Person("Jérôme Caron", "nature", "Jardinier, maître composteur"),
    "evidal": Person("Émilie Vidal", "habitat", "Chargée d'opérations habitat"),
    "nbrunet": Person("Nicolas Brunet", "si", "Développeur"),
    "scolin": Person("Stéphanie Colin", "tranquillite", "Agente de police municipale"),
    "karnaud": Person("Karine Arnaud", "enfance", "Auxiliaire de puériculture"),
    "dlucas": Person("David Lucas", "batiments", "Électricien"),
    "aroche": Person("Audrey Roche", "culture", "Médiatrice culturelle"),
    "cmeunier": Person("Christophe Meunier", "finances", "Acheteur public"),
    "mperret": Person("Mathilde Perret", "mobilite", "Chargée de mission mobilités"),
    "ramrani": Person("Rachid Amrani", "usagers", "Agent d'accueil"),
}

# Who fires a jury event after the pitch day (the pitch-day decisions are the chair's, see JURY_DAYS).
JURY_ACTOR = {"graduate": "dga", "continue": "dga", "integrate": "elu", "scale": "elu", "spin_off": "elu",
              "abandon": "elu"}


# --- Calls --------------------------------------------------------------------------------

class CallSpec(NamedTuple):
    title: str
    description: str
    opens: datetime | None  # None: open around `now` (OPEN_CALL_WINDOW)
    closes: datetime | None
    shortlist: datetime | None = None  # the programme team's pre-selection
    start: datetime | None = None  # pre-incubation starts (the pitch day is in JURY_DAYS)
    relative: bool = False  # dated from `now` (the current cohort, see cohort_start)


CALLS = (
    CallSpec(
        "Premier appel à projets (promotion 2019)",
        "Vous voyez un problème sur le terrain et vous avez une idée pour le résoudre ? Décrivez le "
        "problème, qui en souffre et ce que vous en savez. Une dizaine de projets seront "
        "présélectionnés et présentés au jury en janvier 2019.",
        paris(2018, 10, 1, 9), paris(2018, 11, 30, 18),
        shortlist=paris(2018, 12, 14, 10), start=paris(2019, 2, 4, 9),
    ),
    CallSpec(
        "Deuxième appel à projets (promotion 2020)",
        "Deuxième promotion du programme d'intrapreneuriat. Les équipes de 2 ou 3 agents "
        "présélectionnées seront coachées puis présenteront leur projet au jury en janvier 2020.",
        paris(2019, 9, 16, 9), paris(2019, 11, 15, 18),
        shortlist=paris(2019, 11, 29, 10), start=paris(2020, 1, 27, 9),
    ),
    # The current cohort: its call, pitch day and incubation are dated from `now`, so the demo
    # always has projects in incubation today (see cohort_start and _resolve).
    CallSpec(
        "Appel à projets thématique « Santé et qualité de vie » (promotion {year})",
        "Un appel thématique entre deux promotions : la santé des habitants et la qualité de vie au travail "
        "des agents. Décrivez le problème que vous voyez sur le terrain, qui en souffre et ce que vous en "
        "savez ; les équipes présélectionnées seront coachées puis présenteront leur projet au jury.",
        None, None, relative=True,
    ),
    CallSpec(
        "Troisième appel à projets",
        "Le troisième appel est ouvert : proposez le problème de terrain que vous voulez résoudre, "
        "seul ou déjà en équipe. Les candidatures incomplètes restent en brouillon.",
        None, None,
    ),
)
OPEN_CALL_WINDOW = (timedelta(days=15), timedelta(days=30))  # opened that long ago, closes that late
COHORT, OPEN_CALL = 2, 3  # indexes in CALLS: the current cohort's call, the call open now
COHORT_WEEKS_AGO = 37  # the current cohort started incubation that many weeks before `now`'s week

# A second programme of the same city, run the Nantes way (workflow `idea_forum`): any agent
# posts an idea, the programme team picks some to pitch, and a jury of three agents drawn at
# random hears each carrier for 15 minutes and deliberates in front of them.
FORUM_PROGRAMME = "Forum des idées des agents"
FORUM_WORKFLOW = "idea_forum"
FORUM_DESCRIPTION = (
    "Sur le modèle du forum des idées de la Ville de Nantes : tout agent peut publier une idée, seul ou à "
    "plusieurs. L'équipe du programme retient les idées à présenter ; un jury de trois agents tirés au sort, "
    "briefé 30 minutes avant la séance, écoute chaque porteur pendant 15 minutes, note l'idée sur trois "
    "critères (pertinence pour les usagers, efficience et frugalité, bien-être des agents) et délibère "
    "devant lui : l'idée est lancée, à retravailler ou abandonnée. Une idée lancée reçoit un mentor, un "
    "directeur général adjoint, et une lettre de mission."
)
FORUM_CALL = CallSpec(
    "Forum des idées 2025",
    "Une idée pour mieux servir les usagers ou mieux travailler ensemble ? Publiez-la avant le 30 avril : "
    "les idées retenues seront présentées en juin à un jury de trois agents tirés au sort.",
    paris(2025, 1, 13, 9), paris(2025, 4, 30, 18),
)
FORUM = len(CALLS)  # the forum call's index, after the programme's calls
FORUM_QUESTION_LABELS = {
    "affected": "Qui en bénéficierait ?",
    "frequency": "À quelle fréquence le problème se pose-t-il ?",
    "evidence": "Qu'est-ce qui vous fait dire que c'est utile ?",
}


# --- Generic submissions ------------------------------------------------------------------

class Submission(NamedTuple):
    title: str
    service: str  # a key of SERVICES
    problem: str
    proposal: str
    affected: str
    frequency: str
    evidence: str
    outcome: str  # a key of OUTCOMES
    comment: str = ""  # the reason given with the decisive event (decline, reject, withdraw...)
    team: tuple[str, ...] = ()  # person keys, author first; default: picked from the service


# What happens to a submission, as (event, when) steps. `when` is an anchor of the project
# or its call, optionally "+Nd" days later; `pitch` is when the jury decided on the project,
# at its call's pitch day (JURY_DAYS).
OUTCOMES: dict[str, tuple[tuple[str, str], ...]] = {
    "draft": (),
    "withdrawn_draft": (("withdraw", "created+6d"),),
    "submitted": (("submit", "submitted"),),
    "withdrawn": (("submit", "submitted"), ("withdraw", "submitted+5d")),
    "declined": (("submit", "submitted"), ("decline", "shortlist")),
    "rejected": (("submit", "submitted"), ("shortlist", "shortlist"), ("reject", "pitch")),
    "rework": (("submit", "submitted"), ("shortlist", "shortlist"), ("ask_rework", "pitch")),
    "reopened": (("submit", "submitted"), ("shortlist", "shortlist"), ("ask_rework", "pitch"),
                 ("reopen", "pitch+12d")),
}
COMMENTED = frozenset({"withdraw", "decline", "reject", "ask_rework"})

S = Submission
SUBMISSIONS: dict[int, tuple[Submission, ...]] = {
    0: (
        S("Signal'Trottoir : suivre les signalements de voirie", "voirie",
          "Les nids-de-poule et trottoirs dégradés sont signalés par téléphone ou par courrier, sans suivi : "
          "les habitants rappellent, et les équipes interviennent parfois deux fois au même endroit.",
          "Une carte partagée des signalements, alimentée par les agents de terrain et les habitants, avec "
          "un statut visible par tous jusqu'à la réparation.",
          "Les habitants, les personnes à mobilité réduite, les équipes de voirie",
          "Une quarantaine de signalements par semaine",
          "Registre du standard technique : 2 100 appels en 2018, dont environ 15 % de doublons.",
          "rejected",
          "Le jury reconnaît le problème, mais un outil de signalement commun à l'agglomération est en cours "
          "de déploiement : rapprochez-vous de la Direction des Systèmes d'information pour l'alimenter."),
        S("Cantine zéro gaspi", "education",
          "Dans les restaurants scolaires, près d'un tiers de la nourriture servie finit à la poubelle.",
          "Peser les restes chaque jour avec les enfants, afficher les résultats et ajuster les grammages "
          "et les inscriptions en conséquence.",
          "Les enfants, les équipes de restauration, les familles qui paient le repas",
          "Chaque jour d'école, environ 4 500 repas",
          "Pesées sur deux semaines dans trois écoles : 110 g jetés par enfant et par repas.",
          "rejected",
          "Projet pertinent, mais déjà couvert par le plan de lutte contre le gaspillage alimentaire de la "
          "Direction de l'Éducation : le jury vous propose d'y contribuer directement."),
        S("Covoiturage entre agents des sites excentrés", "mobilite",
          "Les agents des dépôts et des serres municipales viennent seuls en voiture ; les parkings sont "
          "saturés et les frais de carburant pèsent sur les petits salaires.",
          "Une mise en relation des agents par site et par horaire, avec une place réservée aux équipages.",
          "Les agents des sites éloignés du réseau de bus",
          "Tous les jours ouvrés",
          "Enquête mobilité 2017 : 78 % des agents des dépôts viennent seuls en voiture.",
          "rejected",
          "L'intérêt est réel mais une plateforme de covoiturage existe déjà à l'échelle de l'agglomération : "
          "le jury préfère une campagne de promotion menée par la DRH."),
        S("Un accueil unique pour les nouveaux arrivants", "usagers",
          "Les nouveaux habitants font le tour de plusieurs guichets pour s'inscrire (écoles, cantine, "
          "listes électorales, stationnement résident).",
          "Un rendez-vous unique d'accueil qui ouvre tous les dossiers en une fois.",
          "Les familles qui s'installent à Pau",
          "Environ 1 500 foyers par an",
          "Comptage des passages à l'accueil de l'hôtel de ville en septembre 2018.",
          "rejected",
          "Le projet relève de la réorganisation de l'accueil déjà engagée par la direction générale ; il ne "
          "se prête pas à une démarche d'incubation."),
        S("Réserver les gymnases en ligne", "sport",
          "Les associations réservent les gymnases par courriel et tableau partagé : conflits de créneaux, "
          "salles réservées mais vides.",
          "Un planning en ligne des équipements, où les associations réservent et libèrent leurs créneaux.",
          "Les associations sportives, les gardiens d'équipement",
          "Chaque semaine, plus de 600 créneaux",
          "Relevé des gardiens : un créneau sur cinq réservé reste inoccupé.",
          "rejected",
          "Besoin avéré, mais la solution relève de l'achat d'un logiciel existant : le jury transmet le "
          "dossier à la Direction des Systèmes d'information et à la Direction des Sports."),
        S("La médiathèque hors les murs", "lecture",
          "Les habitants des quartiers prioritaires fréquentent peu les médiathèques : 4 % des inscrits "
          "pour 15 % de la population.",
          "Un triporteur de livres et de tablettes qui s'installe au pied des immeubles le mercredi et le "
          "samedi.",
          "Les enfants et les familles des quartiers prioritaires",
          "Toute l'année",
          "Statistiques d'inscription 2017 par quartier.",
          "rework",
          "Le jury n'a pas été convaincu par la connaissance du besoin : aucun habitant n'a encore été "
          "interrogé. Menez une dizaine d'entretiens et revenez avec ce qu'ils vous ont appris."),
        S("Jardins partagés en pied d'immeuble", "nature",
          "Les espaces verts des résidences sont peu utilisés et mal entretenus ; des habitants demandent "
          "des parcelles à cultiver.",
          "Transformer des pelouses en jardins partagés gérés par les habitants, avec l'appui des jardiniers "
          "de la Ville.",
          "Les habitants des résidences collectives",
          "Demandes régulières en conseil de quartier",
          "Une vingtaine de demandes écrites en 2018.",
          "rework",
          "Le problème de fond n'est pas encore clair : lien social, alimentation ou cadre de vie ? "
          "Précisez-le avec les bailleurs et les habitants avant de proposer une solution."),
        S("Fiche de visite de logement sur tablette", "sante",
          "Les inspecteurs de salubrité remplissent leurs constats sur papier puis les ressaisissent au "
          "bureau : une demi-journée par semaine perdue et des erreurs de saisie.",
          "Une fiche de visite sur tablette qui alimente directement le dossier du logement.",
          "Les inspecteurs de salubrité et les occupants qui attendent le rapport",
          "Chaque visite, soit environ 400 par an",
          "Mesure du temps de ressaisie sur un mois.",
          "declined",
          "Le logiciel métier du service d'hygiène proposera une application mobile en 2019 : nous "
          "transmettons votre analyse à la DSI pour le paramétrage.",
          team=("agent", "slefort")),
        S("Un badge unique pour tous les bâtiments", "batiments",
          "Les agents multi-sites ont jusqu'à cinq badges et trousseaux différents.",
          "Un badge unique programmable pour tous les bâtiments municipaux.",
          "Les agents d'entretien, les techniciens, les gardiens",
          "Tous les jours", "Inventaire des clés du service bâtiments.",
          "declined",
          "Il s'agit d'un projet d'équipement, déjà inscrit au schéma directeur de sûreté des bâtiments."),
        S("Déclarer ses absences en ligne", "rh",
          "Les demandes de congés circulent sur papier entre l'agent, son responsable et la DRH.",
          "Un formulaire en ligne avec validation par le responsable.",
          "Tous les agents, les gestionnaires RH", "Plusieurs centaines de demandes par mois",
          "Délai moyen de traitement : 12 jours.",
          "declined", "Le nouveau logiciel de gestion des ressources humaines, déployé en 2019, couvre ce besoin."),
        S("Éclairage public à la demande", "voirie",
          "Des rues résidentielles restent éclairées toute la nuit alors que personne n'y passe.",
          "Des détecteurs de présence qui n'allument l'éclairage qu'au passage des piétons.",
          "Les riverains, le budget énergie de la Ville", "Toutes les nuits",
          "Facture d'éclairage public 2017.",
          "declined",
          "Investissement lourd qui relève du plan de rénovation de l'éclairage public, hors du champ de "
          "l'intrapreneuriat."),
        S("Traduire les courriers administratifs en langage clair", "usagers",
          "Beaucoup d'usagers ne comprennent pas nos courriers et appellent l'accueil pour se les faire "
          "expliquer.",
          "Réécrire avec des usagers les vingt courriers les plus envoyés.",
          "Les usagers, les agents d'accueil", "Des dizaines d'appels par semaine",
          "Relevé des motifs d'appel à l'accueil sur deux semaines.",
          "declined",
          "Très bonne idée, mais portée par une seule personne sans équipe : réunissez 2 ou 3 agents et "
          "présentez-la au prochain appel."),
        S("Signalétique des écoles pour les parents allophones", "education",
          "Les parents qui ne lisent pas le français ne trouvent pas les informations affichées aux "
          "portails des écoles.",
          "Une signalétique en pictogrammes et en plusieurs langues.",
          "Les familles allophones, les directeurs d'école", "À chaque rentrée et chaque sortie",
          "Témoignages de trois directeurs d'école.",
          "declined", "Le besoin est réel mais relève de l'Éducation nationale et des directeurs d'école."),
        S("Ouvrir les piscines en soirée", "sport",
          "Les actifs ne peuvent pas nager aux horaires actuels des piscines.",
          "Deux nocturnes par semaine.", "Les actifs", "Chaque semaine",
          "Demandes reçues par le service des sports.",
          "declined", "Relève de l'organisation du temps de travail et du dialogue social, pas d'une expérimentation."),
        S("Des tablettes pour les agents d'entretien", "batiments",
          "Les agents d'entretien n'ont pas accès à l'intranet ni à leur messagerie.",
          "Des tablettes partagées dans chaque site.", "Les agents d'entretien", "Tous les jours",
          "Enquête interne sur l'accès à l'information.",
          "declined", "Demande d'équipement, transmise au plan de déploiement numérique de la DSI."),
        S("Une boîte à idées numérique", "rh",
          "Les idées des agents se perdent faute de lieu pour les déposer.",
          "Une boîte à idées en ligne sur l'intranet.", "Tous les agents", "En continu",
          "Aucune donnée pour l'instant.",
          "declined", "Le programme d'intrapreneuriat remplit déjà cette fonction : le problème n'est pas démontré."),
        S("Des fontaines à eau dans les parcs", "nature",
          "Il n'y a pas d'eau potable dans plusieurs parcs l'été.",
          "Installer des fontaines.", "Les promeneurs, les sportifs", "L'été",
          "Plaintes reçues en mairie.",
          "declined", "Demande d'équipement, transmise à la Direction des Espaces verts pour son budget."),
        S("Inscriptions périscolaires en ligne", "education",
          "Les familles doivent venir en mairie pour inscrire leurs enfants au périscolaire.",
          "Un formulaire d'inscription en ligne.", "Les familles", "À chaque rentrée",
          "Files d'attente de fin août.",
          "declined", "Le portail famille en cours de refonte intègre cette fonction."),
        S("Cartographier les défibrillateurs", "tranquillite",
          "Personne ne sait où se trouvent les défibrillateurs des bâtiments publics.",
          "Une carte publique des défibrillateurs.", "Les témoins d'un arrêt cardiaque", "Rare mais vital",
          "Inventaire partiel de 2017.",
          "declined",
          "Obligation réglementaire déjà prise en charge par la déclaration à la base nationale des défibrillateurs."),
        S("Informer les familles des crèches par SMS", "enfance",
          "Les familles découvrent trop tard les fermetures exceptionnelles des crèches.",
          "Un envoi de SMS groupés par crèche.", "Les familles des crèches", "Quelques fois par an",
          "Deux fermetures en 2018 mal communiquées.",
          "declined", "Fonction déjà disponible dans le logiciel des crèches : nous organisons une formation."),
        S("Réemployer le mobilier de bureau réformé", "finances",
          "Des bureaux et armoires en bon état partent à la déchetterie pendant que d'autres services en "
          "achètent.",
          "Un catalogue interne du mobilier disponible.", "Les services, le budget", "Chaque mois",
          "Bons de commande de mobilier 2018.",
          "declined", "Une plateforme de réemploi est déjà en test avec la Direction du Patrimoine bâti."),
        S("Une carte des toilettes publiques", "voirie",
          "Les personnes âgées et les familles renoncent à sortir faute de toilettes publiques repérables.",
          "Une carte en ligne et papier des toilettes ouvertes au public.",
          "Les personnes âgées, les familles", "Tous les jours", "Témoignages en conseil des aînés.",
          "declined",
          "Données déjà publiées en open data par l'agglomération ; nous les relayons sur le site de la Ville."),
        S("Concours photo des agents", "culture",
          "Les agents connaissent mal le travail des autres services.",
          "Un concours photo annuel sur le thème du travail.", "Les agents", "Une fois par an", "",
          "declined", "Projet d'animation interne : aucun problème de terrain identifié."),
        S("Prêt de matériel aux associations", "quartiers",
          "Les associations de quartier ne savent pas quel matériel la Ville peut leur prêter.",
          "Un catalogue du matériel prêtable et un formulaire de demande.", "Les associations",
          "Chaque week-end de fête", "",
          "declined",
          "Le problème est peu documenté : combien de demandes, quels refus ? Documentez-le et revenez au "
          "prochain appel."),
        S("Signaler les dépôts sauvages", "proprete",
          "Les dépôts sauvages sont découverts tard et enlevés plusieurs jours après.",
          "Un signalement photo géolocalisé par les agents de tous les services.",
          "Les riverains, les équipes de propreté", "Chaque jour", "Registre des enlèvements 2018.",
          "declined", "Fonction intégrée à l'outil de signalement commun de l'agglomération."),
        S("Horaires décalés pour la collecte en centre-ville", "proprete",
          "Les camions de collecte bloquent les rues commerçantes aux heures de livraison.",
          "Collecter avant 7 h dans l'hypercentre.", "Les commerçants, les riverains", "Tous les jours",
          "Plaintes de l'association des commerçants.",
          "declined", "Relève de l'organisation du service de collecte et du dialogue social."),
        S("Un annuaire des compétences des agents", "rh",
          "Des services font appel à des prestataires pour des compétences qu'ont déjà des agents.",
          "Un annuaire où chaque agent déclare ses savoir-faire.", "Les services", "Plusieurs fois par an",
          "Deux exemples de prestations en 2018.",
          "declined",
          "Sujet sensible (données personnelles, reconnaissance des compétences) qui relève d'un chantier RH."),
        S("Réparer les vélos de service", "mobilite",
          "La moitié des vélos de service sont inutilisables faute d'entretien.",
          "Un atelier de réparation tenu par des agents volontaires.", "Les agents qui se déplacent",
          "En continu", "Inventaire des vélos de service.",
          "withdrawn",
          "Nous retirons notre candidature : la porteuse change de poste et l'équipe ne peut plus dégager de temps."),
        S("Accueillir les stagiaires", "rh",
          "Les stagiaires arrivent sans poste de travail ni accès informatique.", "", "Les stagiaires",
          "", "", "draft"),
        S("Écrans d'information dans les halls d'accueil", "usagers",
          "Les usagers attendent sans savoir combien de temps.", "", "", "", "", "draft"),
    ),
    1: (
        S("Le permis de végétaliser", "nature",
          "Des habitants plantent au pied des arbres et des façades sans autorisation, et leurs plantations "
          "sont arrachées par les équipes.",
          "Un permis simple qui autorise les habitants à végétaliser un coin de rue, avec une charte.",
          "Les habitants jardiniers, les équipes des espaces verts", "Chaque printemps",
          "Une trentaine de demandes et de plaintes en 2019.",
          "rejected",
          "Le dispositif a fait ses preuves ailleurs : le jury recommande de l'adopter directement par "
          "délibération plutôt que de l'incuber."),
        S("Les objets trouvés en ligne", "tranquillite",
          "Les usagers ne savent pas si leur objet perdu a été rapporté et se déplacent pour rien.",
          "Un registre en ligne des objets trouvés, consultable par catégorie.",
          "Les usagers qui ont perdu un objet", "Une dizaine de fois par semaine",
          "Registre papier du poste de police municipale.",
          "rejected",
          "Le volume est trop faible pour une incubation ; un service national en ligne existe déjà."),
        S("Des agents tuteurs pour les nouveaux arrivants", "rh",
          "Les agents recrutés se sentent seuls les premières semaines ; certains partent pendant la période "
          "d'essai.",
          "Un tuteur volontaire d'un autre service pour chaque nouvel agent pendant trois mois.",
          "Les nouveaux agents et leurs encadrants", "Environ 120 recrutements par an",
          "Entretiens de départ 2018-2019.",
          "reopened",
          "Le jury demande de préciser qui souffre du problème, les nouveaux agents ou leurs encadrants : "
          "menez cinq entretiens et revenez avec des faits."),
        S("Alerte canicule pour les agents de terrain", "voirie",
          "Les agents qui travaillent dehors l'été ne sont pas prévenus à temps des épisodes de forte chaleur.",
          "Une alerte sur téléphone avec les consignes et l'adaptation des horaires.",
          "Les agents de voirie, de propreté et des espaces verts", "Plusieurs jours chaque été",
          "Deux malaises signalés en juillet 2019.",
          "rework",
          "Le besoin est réel ; le jury attend une solution construite avec les encadrants et le service de "
          "prévention, qui dispose déjà d'une procédure."),
        S("Un parking vélo sécurisé à l'hôtel de ville", "mobilite",
          "Les agents qui viennent à vélo se font voler leur vélo.", "Un local fermé par badge.",
          "Les agents cyclistes", "Tous les jours", "Quatre vols déclarés en 2019.",
          "declined", "Demande d'équipement, inscrite au plan de mobilité employeur."),
        S("Panneaux d'information dans les quartiers", "quartiers",
          "Les habitants disent ne pas être informés des travaux et des animations.",
          "Des panneaux lumineux dans chaque quartier.", "Les habitants", "En continu", "",
          "declined", "Solution coûteuse proposée avant d'avoir exploré le problème : documentez-le d'abord."),
        S("Visioconférence pour les réunions de chantier", "batiments",
          "Les techniciens passent des heures en voiture pour des réunions de chantier de 30 minutes.",
          "Des réunions de chantier en visioconférence.", "Les techniciens", "Chaque semaine",
          "Relevé de kilométrage d'un technicien sur un mois.",
          "declined", "L'équipement existe déjà ; le sujet relève de l'accompagnement des pratiques."),
        S("Effacer les tags en 48 heures", "proprete",
          "Les tags restent des semaines sur les façades privées.", "Une brigade d'intervention rapide.",
          "Les riverains, les commerçants", "Chaque jour", "Registre des signalements.",
          "declined", "Le service propose déjà un enlèvement gratuit ; c'est sa visibilité qu'il faut travailler."),
        S("Un annuaire interne avec photos", "si",
          "Les agents ne savent pas à qui s'adresser dans les autres services.",
          "Un trombinoscope sur l'intranet.", "Les agents", "Tous les jours", "",
          "declined", "Prévu dans la refonte de l'intranet en 2020."),
        S("Les menus des cantines en pictogrammes", "education",
          "Les jeunes enfants et les parents allophones ne comprennent pas les menus affichés.",
          "Des menus illustrés par des pictogrammes.", "Les enfants, les familles", "Chaque semaine", "",
          "declined", "Amélioration simple que le service de restauration met en place directement."),
        S("Ateliers numériques pour les seniors", "lecture",
          "Des seniors ne savent pas faire leurs démarches en ligne.", "Des ateliers dans les médiathèques.",
          "Les seniors", "Chaque semaine", "Demandes à l'accueil des médiathèques.",
          "declined", "Les médiathèques proposent déjà ces ateliers : il s'agit de les faire connaître."),
        S("Un guichet unique des subventions", "finances",
          "Les associations déposent leurs demandes de subvention auprès de plusieurs services.",
          "Un dossier unique en ligne.", "Les associations", "Une fois par an", "",
          "declined", "Chantier déjà engagé par la Direction des Finances pour 2020."),
        S("La carte des arbres remarquables", "nature",
          "Les habitants ne connaissent pas le patrimoine arboré de la ville.", "", "", "", "", "draft"),
        S("Prévenir les chutes à domicile", "sante",
          "Les chutes sont la première cause d'entrée en établissement des personnes âgées.", "",
          "Les personnes âgées", "", "", "withdrawn_draft",
          "Nous retirons ce brouillon : le sujet est repris par le plan seniors de la direction."),
    ),
    COHORT: (
        S("Le bruit dans les restaurants scolaires", "education",
          "Dans les restaurants scolaires, le bruit dépasse souvent 80 décibels : les enfants mangent mal et vite, "
          "et les agents finissent la journée épuisés.",
          "Des panneaux acoustiques et un feu tricolore du bruit dans chaque salle de restauration.",
          "Les enfants, les agents de restauration et d'animation", "Chaque jour d'école",
          "Témoignages des agents de deux écoles.",
          "rework",
          "Le problème est réel, mais la solution vient avant les faits : mesurez le bruit dans quelques écoles "
          "et interrogez les agents et les enfants avant de choisir une réponse."),
        S("Une salle de repos pour les agents de nuit", "tranquillite",
          "Les agents de la police municipale qui travaillent de nuit n'ont pas d'endroit calme pour leur pause.",
          "Aménager une salle de repos au poste de police municipale.",
          "Les agents de nuit de la police municipale", "Chaque nuit",
          "Demande portée par les agents lors de l'entretien annuel.",
          "rejected",
          "Le besoin est légitime, mais il relève de l'aménagement des locaux, déjà programmé par la Direction "
          "du Patrimoine bâti : ce n'est pas une démarche d'incubation."),
        S("Des lunettes pour les élèves qui voient mal", "education",
          "Des élèves de maternelle et d'élémentaire voient mal sans que personne ne le sache.",
          "Un dépistage visuel dans les écoles, avec une orientation vers un opticien solidaire.",
          "Les élèves et leurs familles", "Chaque année scolaire",
          "Remarques des enseignants de deux écoles.",
          "declined",
          "Le dépistage relève de la santé scolaire et de la protection maternelle et infantile, avec qui nous "
          "vous mettons en relation."),
        S("Un défi marche entre services", "sport",
          "Les agents de bureau bougent peu pendant la journée de travail.",
          "Un défi du nombre de pas entre services, pendant un mois.",
          "Les agents des services administratifs", "Tous les jours", "",
          "declined",
          "Un défi ponctuel relève de l'animation interne ; aucun problème de terrain n'est encore documenté."),
        S("Se faire vacciner sur son lieu de travail", "rh",
          "Les agents de terrain n'ont pas le temps d'aller se faire vacciner contre la grippe.",
          "Des séances de vaccination dans les centres techniques.",
          "Les agents de terrain", "Chaque automne", "Taux de vaccination déclaré lors des visites médicales.",
          "withdrawn",
          "Nous retirons le projet : la médecine préventive organise déjà des séances sur les sites."),
        S("Un coin allaitement dans les bâtiments publics", "enfance",
          "Les mères qui allaitent ne trouvent pas d'endroit tranquille dans les bâtiments municipaux.",
          "", "Les familles usagères des bâtiments publics, les agentes", "", "", "draft"),
    ),
    OPEN_CALL: (
        S("Des points d'eau pour les agents de terrain", "voirie",
          "L'été, les agents de voirie et de propreté n'ont pas accès à de l'eau fraîche sur leurs chantiers.",
          "Des gourdes isothermes et une carte des points d'eau accessibles aux agents.",
          "Les agents de voirie, de propreté et des espaces verts", "Chaque jour de l'été",
          "Enquête auprès de 40 agents : 31 disent manquer d'eau sur le terrain.", "submitted"),
        S("Accueillir en langue des signes à l'état civil", "usagers",
          "Les personnes sourdes doivent venir accompagnées d'un proche pour leurs démarches d'état civil.",
          "Un rendez-vous en visio-interprétation en langue des signes française, réservable en ligne.",
          "Les personnes sourdes et malentendantes", "Une dizaine de demandes par mois",
          "Témoignages recueillis avec une association de personnes sourdes.", "submitted"),
        S("Repérer les logements sans chauffage avant l'hiver", "sante",
          "Chaque hiver, des familles passent des semaines sans chauffage avant que le service d'hygiène "
          "ne soit alerté.",
          "", "Les familles en précarité énergétique", "", "", "draft", team=("agent", "evidal")),
        S("Composter dans les crèches", "enfance",
          "Les crèches jettent chaque jour des épluchures et des restes de repas.",
          "Un composteur par crèche, entretenu avec les familles.", "Les crèches, les familles", "",
          "", "draft"),
        S("Moins d'impressions pour les conseils d'école", "education",
          "Les dossiers des conseils d'école sont imprimés en dizaines d'exemplaires.", "", "", "", "", "draft"),
    ),
}


# --- The six real projects and their stories ----------------------------------------------

class RealProject(NamedTuple):
    call: int
    title: str
    service: str
    problem: str
    proposal: str
    affected: str
    frequency: str
    evidence: str
    team: tuple[str, ...]
    coaches: tuple[str, ...]
    created: datetime | str  # a datetime, or an anchor of its call (see _when)
    script: tuple[tuple[str, datetime | str, str], ...]  # (event, when, comment)


START_COMMENT = "Début de la pré-incubation : un jour par semaine pour l'équipe, coaching hebdomadaire."

REAL_PROJECTS = (
    RealProject(
        0, "Pau Partage", "sante",
        "Des personnes âgées vivent isolées chez elles, sans visite ni aide pour les petits gestes du "
        "quotidien, alors que des habitants de leur quartier seraient prêts à donner un peu de leur temps. "
        "Les services de la Ville ne peuvent pas assurer seuls cette présence.",
        "Mettre en relation les personnes âgées isolées avec des bénévoles de leur quartier. La difficulté : "
        "vérifier avec chaque personne qu'elle accepte d'être accompagnée par quelqu'un d'autre qu'un agent "
        "de la Ville, et quelle compagnie elle souhaite (visite, promenade, courses, appel téléphonique).",
        "Les personnes âgées isolées et leurs proches ; les agents du maintien à domicile",
        "Toute l'année, avec des pics lors des canicules et en hiver",
        "Le registre des personnes vulnérables et les demandes de compagnie relevées chaque semaine par "
        "les auxiliaires de vie.",
        ("mhaddad", "slefort"), ("coach",), paris(2018, 10, 8, 10, 15),
        (("submit", paris(2018, 10, 19, 16, 30), ""),
         ("shortlist", "shortlist", ""),
         ("select", "pitch", "Problème clairement posé et partagé par les équipes de terrain. L'équipe devra "
                             "vérifier très tôt que les personnes acceptent un bénévole."),
         ("start", "start", START_COMMENT),
         ("graduate", paris(2019, 5, 6, 14), "Les premiers binômes fonctionnent : les personnes rencontrées "
          "acceptent un bénévole si elles peuvent le choisir et fixer le type de compagnie. Passage en mode "
          "startup."),
         ("integrate", paris(2019, 12, 10, 11), "Le service est intégré au pôle Seniors du Centre communal "
          "d'action sociale (CCAS) de la Ville de Pau, qui assure désormais la mise en relation avec les "
          "bénévoles."),
         ),
    ),
    RealProject(
        0, "Poubelle Battle", "proprete",
        "70 % des déchets jetés dans les bacs des immeubles collectifs sont compostables. Ils partent à "
        "l'incinération, coûtent cher à collecter et à traiter, et les habitants des tours n'ont pas de "
        "solution simple pour composter.",
        "Une application de concours entre quartiers : chaque immeuble suit le poids de ses déchets et gagne "
        "des points en réduisant la part compostable.",
        "Les habitants des immeubles collectifs, les équipes de collecte, le budget de traitement des déchets",
        "Chaque jour de collecte",
        "Caractérisation des bacs de trois tours : 70 % de déchets compostables.",
        ("achevalier", "fguerin", "jcaron"), ("coach", "coach_etat"), paris(2018, 10, 15, 9, 40),
        (("submit", paris(2018, 11, 5, 17, 10), ""),
         ("shortlist", "shortlist", ""),
         ("select", "pitch", "Un problème chiffré et massif. Le jury attend que le concours soit testé avec des "
                             "habitants avant tout développement."),
         ("start", "start", START_COMMENT),
         ("graduate", paris(2019, 5, 6, 15), "Bilan de pré-incubation : les habitants n'ont pas validé la "
          "gamification, le concours entre quartiers ne les motive pas ; ils demandent une aide concrète pour "
          "composter. L'équipe pivote vers une plateforme d'échange qui aide les habitants à composter. "
          "Passage en mode startup sur cette nouvelle piste."),
         ("continue", paris(2019, 11, 7, 11), "Revue de mode startup : la plateforme d'échange s'étend à six "
          "résidences et les habitants référents font vivre les composteurs. Le mode startup est prolongé de "
          "six mois, le temps d'obtenir un financement pour essaimer."),
         ("scale", paris(2020, 7, 2, 11), "La plateforme d'échange est en service et utilisée par les "
          "habitants ; elle est financée par un fonds d'accélération de l'État. Le service est pérennisé et "
          "en cours de duplication dans d'autres quartiers et d'autres collectivités."),
         ),
    ),
    RealProject(
        0, "ID Quart", "quartiers",
        "Les réunions de quartier attirent toujours les mêmes personnes ; la plupart des habitants ne "
        "participent jamais aux décisions qui concernent leur rue ou leur quartier.",
        "Une application de démocratie participative de quartier, sur le modèle du world café : les "
        "habitants proposent des sujets, en débattent par petites tables, en ligne et en présentiel, et font "
        "remonter leurs propositions aux conseils de quartier.",
        "Les habitants éloignés de la participation, les conseils de quartier",
        "À chaque projet d'aménagement, plusieurs fois par an",
        "Feuilles de présence des conseils de quartier 2018 : une vingtaine de participants réguliers par "
        "quartier.",
        ("ymorel", "nbrunet"), ("coach", "coach_etat"), paris(2018, 10, 22, 14, 5),
        (("submit", paris(2018, 11, 26, 11, 45), ""),
         ("shortlist", "shortlist", ""),
         ("select", "pitch", "Le jury retient un projet ambitieux ; il attend des tests en conditions réelles "
                             "dans un quartier pilote."),
         ("start", "start", START_COMMENT),
         ("graduate", paris(2019, 5, 6, 16), "Un premier world café dans le quartier pilote a réuni des "
          "habitants qui ne venaient jamais aux réunions. Passage en mode startup."),
         ("pause", paris(2019, 9, 30, 10), "Mise en stand-by : à six mois des élections municipales de "
          "mars 2020, la période pré-électorale ne permet pas de lancer une démarche de participation "
          "citoyenne. Le projet reprendra après les élections."),
         ("resume", paris(2020, 9, 14, 10), "Reprise : l'équipe finalise sa plateforme et la teste avec des "
          "communes voisines, en partenariat avec une association de collectivités qui mutualisent des "
          "logiciels libres."),
         ("continue", paris(2020, 10, 22, 11), "Revue de mode startup, décalée par le stand-by : la plateforme "
          "n'est pas encore finalisée. Le mode startup est prolongé de six mois pour la terminer et la tester "
          "avec les communes voisines."),
         ("scale", paris(2021, 4, 27, 11), "Revue de mode startup : la plateforme est finalisée et publiée en "
          "logiciel libre. Testée avec des communes voisines, elle est mise à disposition des collectivités par "
          "l'association partenaire. Le projet est pérennisé et essaimé."),
         ),
    ),
    RealProject(
        1, "Histologe", "sante",
        "Des logements se dégradent sans que personne ne le voie : humidité, chauffage insuffisant, "
        "installations dangereuses. Quand le service d'hygiène est alerté, la situation est souvent déjà "
        "grave et les occupants en souffrent depuis longtemps.",
        "Un « contrôle technique » gratuit du logement pour repérer tôt les logements en voie de "
        "précarité : chaque logement reçoit une note d'habitabilité, et les situations à risque sont "
        "orientées vers le bon professionnel avant qu'elles ne s'aggravent.",
        "Les locataires et propriétaires occupants de logements dégradés, les professionnels du logement",
        "Plusieurs signalements par semaine, souvent trop tardifs",
        "Dossiers du service d'hygiène : la plupart des situations arrivent au stade de l'insalubrité.",
        ("agent", "evidal"), ("coach",), paris(2019, 9, 23, 9, 30),
        (("submit", paris(2019, 10, 14, 15), ""),
         ("shortlist", "shortlist", ""),
         ("select", "pitch", "Un problème de terrain documenté par des dossiers réels ; le jury demande de "
                             "tester la note d'habitabilité avec des habitants dès la pré-incubation."),
         ("start", "start", START_COMMENT),
         ("graduate", paris(2020, 5, 11, 14), "Passage en mode startup : la note d'habitabilité est comprise "
          "par les habitants. Le service est en test avec des habitants et des professionnels du logement ; "
          "115 situations sont en cours de résolution. Le projet a été distingué par un prix."),
         ("continue", paris(2020, 11, 12, 14), "Revue de mode startup : le suivi partagé avec les bailleurs, la "
          "CAF et l'ADIL raccourcit nettement les délais. Le mode startup est prolongé de six mois pour "
          "l'intégrer aux outils des professionnels."),
         ("scale", paris(2021, 5, 18, 14), "Revue de mode startup : le repérage par la note d'habitabilité est "
          "pérennisé au service communal d'hygiène et de santé, et d'autres territoires l'adoptent avec l'appui "
          "de l'incubateur de startups d'État."),
         ),
    ),
    RealProject(
        1, "Simone & Co", "sante",
        "Des femmes et des jeunes filles en situation de précarité n'ont pas les moyens d'acheter des "
        "protections périodiques : certaines manquent l'école ou le travail, d'autres utilisent des "
        "protections de fortune.",
        "Des kits de protections périodiques distribués gratuitement et discrètement par des points "
        "identifiés : CCAS, maisons de quartier, associations, établissements scolaires.",
        "Les femmes et les jeunes filles en précarité", "Chaque mois",
        "Témoignages des travailleurs sociaux et des infirmières scolaires.",
        ("lbarbier", "ramrani"), ("coach",), paris(2019, 10, 1, 11),
        (("submit", paris(2019, 10, 28, 16, 20), ""),
         ("shortlist", "shortlist", ""),
         ("select", "pitch", "Un besoin peu visible mais massif ; le jury retient le projet et demande de "
                             "choisir les points de distribution avec les personnes concernées."),
         ("start", "start", START_COMMENT),
         ("graduate", paris(2020, 5, 11, 15), "Les points de distribution sont identifiés et les premiers kits "
          "distribués. Passage en mode startup."),
         ("spin_off", paris(2020, 12, 15, 11), "Plus de 1 000 kits commandés en un mois par les points de "
          "distribution. La porteuse a fondé une association qui fait désormais vivre le projet hors de la "
          "collectivité ; la Ville reste partenaire."),
         ),
    ),
    RealProject(
        1, "Kameha Meha", "quartiers",
        "Les élèves victimes de harcèlement n'osent pas en parler aux adultes, par peur des représailles ou "
        "du regard des autres ; les équipes éducatives l'apprennent souvent trop tard.",
        "Des boîtes d'alerte anonymes placées dans les toilettes des établissements scolaires, le seul lieu "
        "sans regard extérieur : les élèves y déposent un message, relevé et suivi par un adulte référent.",
        "Les élèves victimes ou témoins de harcèlement, les équipes éducatives", "Tous les jours",
        "Témoignages recueillis par les médiatrices auprès d'élèves et de parents.",
        ("fouali", "scolin", "vblanc"), ("coach",), paris(2019, 10, 7, 14),
        (("submit", paris(2019, 11, 12, 10, 30), ""),
         ("shortlist", "shortlist", ""),
         ("select", "pitch", "Le jury retient le projet ; le test se fera avec des collèges volontaires et "
                             "l'accord des chefs d'établissement."),
         ("start", "start", START_COMMENT),
         ("pause", paris(2020, 3, 16, 9), "Confinement : les établissements scolaires sont fermés, le test "
          "des boîtes d'alerte dans les collèges est suspendu. Il reprendra progressivement à la réouverture "
          "des collèges."),
         ),
    ),
)


# --- The current cohort (fictional, dated from `now`) ----------------------------------------

# Three projects of the thematic call, in pre-incubation since COHORT_WEEKS_AGO weeks: at their first
# review one goes to startup mode (its next review falls due within the coming weeks), one stays in
# pre-incubation and then stands by for eight weeks (its review is now overdue), one is abandoned.
CURRENT_COHORT = (
    RealProject(
        COHORT, "Retour en douceur", "rh",
        "Après un arrêt long (maladie, accident), les agents reprennent leur poste sans préparation : certains "
        "rechutent dans les mois qui suivent, et leurs équipes ne savent pas comment les accueillir.",
        "Un parcours de retour préparé avec l'agent avant la reprise : un entretien, une visite du poste, un "
        "collègue référent et un point à un mois, mené par l'encadrant avec l'appui de la DRH.",
        "Les agents qui reviennent d'un arrêt de plus de trois mois, leurs encadrants et leurs équipes",
        "Environ 60 reprises après un arrêt long chaque année",
        "Bilan social : un agent sur cinq repris après un arrêt long est de nouveau arrêté dans l'année.",
        ("orenaud", "hmarchand", "karnaud"), ("coach",), "opens+6d@10:30",
        (("submit", "opens+20d@16:00", ""),
         ("shortlist", "shortlist", ""),
         ("select", "pitch", "Un problème que chaque direction connaît, documenté par le bilan social ; le jury "
                             "demande de construire le parcours avec des agents qui ont vécu une reprise."),
         ("start", "start", START_COMMENT),
         ("graduate", "start+93d@14:00", "Revue de pré-incubation : 4 agents sur 5 accompagnés disent avoir "
          "repris plus sereinement, et les encadrants demandent le parcours. Passage en mode startup : "
          "l'enjeu est que les encadrants le mènent eux-mêmes."),
         ),
    ),
    RealProject(
        COHORT, "Punaises de lit : agir dès le premier signalement", "sante",
        "Les punaises de lit sont signalées tard : les locataires ont honte d'en parler, traitent seuls avec des "
        "produits dangereux, et l'infestation gagne les logements voisins avant que le service d'hygiène ne "
        "soit alerté.",
        "Répondre dès le premier signalement : un numéro direct, une visite sous 72 heures, un guide pour les "
        "locataires et un protocole avec les bailleurs pour partager le coût du traitement.",
        "Les locataires, en particulier les ménages modestes, leurs voisins, les bailleurs",
        "Plusieurs signalements par semaine, davantage chaque année",
        "Registre du service d'hygiène : la moitié des signalements arrivent après plusieurs mois d'infestation.",
        ("agent", "slefort"), ("coach",), "opens+3d@09:45",
        (("submit", "opens+27d@11:20", ""),
         ("shortlist", "shortlist", ""),
         ("select", "pitch", "Un sujet de santé publique en forte hausse ; le jury demande d'associer les "
                             "bailleurs sociaux dès la pré-incubation."),
         ("start", "start", START_COMMENT),
         ("continue", "start+93d@14:30", "Revue de pré-incubation : le premier signalement est validé avec les "
          "locataires, mais le partage du coût du traitement avec les bailleurs n'est pas encore acquis. La "
          "pré-incubation est prolongée de trois mois."),
         ("pause", "start+116d@10:00", "Stand-by de huit semaines : le service d'hygiène est mobilisé par une "
          "série de procédures d'insalubrité urgentes et l'équipe ne peut plus dégager sa journée "
          "hebdomadaire. Reprise prévue dans deux mois."),
         ("resume", "start+172d@10:00", "Reprise : l'équipe retrouve sa journée hebdomadaire ; l'échéance de la "
          "revue est décalée d'autant."),
         ),
    ),
    RealProject(
        COHORT, "Sport sur ordonnance dans les parcs", "sport",
        "Des médecins prescrivent une activité physique à des patients atteints de maladies chroniques, mais "
        "ces patients ne savent pas où aller et renoncent.",
        "Des séances gratuites dans deux parcs de la ville, animées par des éducateurs sportifs de la Ville, "
        "sur prescription des médecins volontaires.",
        "Les patients atteints de maladies chroniques, les médecins généralistes", "Chaque semaine",
        "Témoignages de quatre médecins généralistes du centre-ville.",
        ("sgiraud", "lbarbier"), ("coach",), "opens+12d@14:10",
        (("submit", "opens+33d@17:05", ""),
         ("shortlist", "shortlist", ""),
         ("select", "pitch", "Une équipe motivée et des médecins partants ; le jury demande de vérifier très "
                             "vite que les patients viennent."),
         ("start", "start", START_COMMENT),
         ("abandon", "start+93d@15:00", "Revue de pré-incubation : les patients ne sont pas venus aux séances "
          "collectives (3 sur 23 après un mois) et la Maison sport-santé du territoire répond déjà au besoin. "
          "Le projet est abandonné ; l'équipe transmet ses contacts avec les médecins à la Maison "
          "sport-santé."),
         ),
    ),
)


# --- The idea forum (Nantes model) --------------------------------------------------------

# Fictional ideas, in the shape of the real projects above: their own team and a dated script.
FORUM_IDEAS = (
    RealProject(
        FORUM, "La bricothèque des services", "batiments",
        "Chaque service achète et stocke son propre matériel utilisé deux fois par an : perceuses, "
        "escabeaux, tentes de réception, sonorisation. Pendant ce temps, un autre service loue le même "
        "matériel pour une journée.",
        "Un inventaire partagé du matériel peu utilisé, réservable en ligne par tous les services, avec un "
        "point de retrait au centre technique municipal.",
        "Les services qui organisent des événements ou des petits travaux", "Chaque semaine",
        "Bons de commande 2024 : 37 achats ou locations de matériel déjà présent dans un autre service.",
        ("dlucas", "cmeunier"), (), paris(2025, 2, 3, 10, 20),
        (("post", paris(2025, 2, 4, 16, 5), ""),
         ("schedule_pitch", paris(2025, 5, 12, 10), ""),
         ("launch", "pitch", "Une idée simple, frugale et utile dès demain : le jury la lance. Sylvie Perrin, "
                             "directrice générale adjointe, en sera la mentore ; la lettre de mission fixe un "
                             "premier essai avec trois services volontaires."),
         ),
    ),
    RealProject(
        FORUM, "Des pauses actives pour les équipes de bureau", "sport",
        "Les agents de bureau passent la journée assis ; les arrêts pour douleurs de dos augmentent et les "
        "après-midi sont difficiles.",
        "Dix minutes d'étirements guidés en milieu de matinée, animées à tour de rôle par des éducateurs "
        "sportifs de la Ville, dans les services volontaires.",
        "Les agents des services administratifs", "Tous les jours",
        "Bilan social 2024 : les troubles musculo-squelettiques, premier motif d'arrêt.",
        ("sgiraud", "hmarchand"), (), paris(2025, 2, 17, 14),
        (("post", paris(2025, 2, 18, 9, 30), ""),
         ("schedule_pitch", paris(2025, 5, 12, 10, 4), ""),
         ("ask_rework", "pitch", "Le bien-être des agents est au cœur de l'idée, mais le jury ne sait pas encore "
                                 "qui en a besoin ni sous quelle forme : testez un mois avec un service "
                                 "volontaire et revenez avec ce que les agents en disent."),
         ),
    ),
    RealProject(
        FORUM, "Un robot conversationnel pour l'accueil téléphonique", "usagers",
        "Aux heures de pointe, un appel sur trois au standard reste sans réponse.",
        "Un robot conversationnel qui répond aux questions les plus fréquentes (horaires, pièces à fournir) "
        "et oriente les autres appels.",
        "Les usagers qui appellent la mairie, les agents d'accueil", "Tous les jours",
        "Statistiques du standard, janvier 2025.",
        ("ramrani", "nbrunet"), (), paris(2025, 3, 3, 11),
        (("post", paris(2025, 3, 5, 15, 40), ""),
         ("schedule_pitch", paris(2025, 5, 12, 10, 8), ""),
         ("abandon", "pitch", "Le jury n'a pas retenu l'idée : l'investissement est lourd au regard du besoin, et "
                              "les usagers interrogés disent préférer parler à un agent. Le problème des appels "
                              "sans réponse reste posé : le jury invite l'équipe à le documenter."),
         ),
    ),
    RealProject(
        FORUM, "Un composteur dans chaque restaurant scolaire", "education",
        "Les épluchures et les restes des restaurants scolaires partent à l'incinération.",
        "Installer un composteur dans chaque restaurant scolaire, entretenu avec les enfants.",
        "Les enfants, les équipes de restauration", "Chaque jour d'école", "",
        ("croux",), (), paris(2025, 1, 20, 8, 45),
        (("post", paris(2025, 1, 21, 13, 10), ""),
         ("decline", paris(2025, 5, 12, 10, 12), "Le plan de gestion des biodéchets équipe déjà tous les "
          "restaurants scolaires d'ici à la fin de l'année : nous transmettons votre idée au service pour "
          "associer les enfants à son déploiement."),
         ),
    ),
    RealProject(
        FORUM, "Réserver les salles de réunion en ligne", "culture",
        "Les salles de réunion se réservent par courriel auprès de chaque accueil ; elles sont souvent "
        "réservées deux fois, ou vides.",
        "Un planning partagé des salles de tous les bâtiments.", "Tous les agents", "Chaque jour", "",
        ("aroche",), (), paris(2025, 2, 10, 16),
        (("post", paris(2025, 2, 11, 9), ""),
         ("withdraw", paris(2025, 2, 25, 11), "Je retire l'idée : la DSI vient d'ouvrir la réservation des salles "
          "dans l'agenda partagé."),
         ),
    ),
    RealProject(
        FORUM, "Covoiturer vers les formations", "mobilite",
        "Les agents qui partent en formation à Bordeaux ou à Toulouse y vont chacun dans sa voiture.",
        "Afficher, à l'inscription, les autres agents inscrits à la même formation pour partager le trajet.",
        "Les agents en formation, le budget des déplacements", "Chaque semaine",
        "Frais de déplacement 2024 pour formation.",
        ("mperret", "pmercier"), (), paris(2025, 3, 24, 10, 30),
        (("post", paris(2025, 3, 25, 17), ""),),
    ),
    RealProject(
        FORUM, "Une boîte à livres dans chaque mairie de quartier", "lecture",
        "Les livres retirés des collections des médiathèques sont pilonnés alors que les habitants en "
        "redemandent.",
        "Une boîte à livres dans chaque mairie de quartier, alimentée par les médiathèques.",
        "Les habitants des quartiers", "En continu", "",
        ("mlambert",), (), paris(2025, 4, 7, 9, 15),
        (("post", paris(2025, 4, 8, 12), ""),),
    ),
)


# --- Pitch days ---------------------------------------------------------------------------

# The scoring grid of every demo call: the three default criteria, scored 1 to 5 with equal
# weights, in French whatever locale the loading process runs in.
CRITERIA = (
    ("Pertinence au regard des besoins des usagers",
     "Le projet répond-il à un besoin réel des personnes qu'il sert ?"),
    ("Efficience et frugalité", "Fait-il beaucoup avec peu : temps, argent, outils ?"),
    ("Bien-être des agents", "Améliore-t-il le travail des agents ?"),
)


class Seat(NamedTuple):
    """An appointed juror: a person key, and how their day went."""
    person: str
    chair: bool = False
    absent: str = ""  # the note, when the juror did not come
    conflicts: tuple[tuple[str, str], ...] = ()  # (project title, reason) declared at the briefing


class JuryDay(NamedTuple):
    call: int  # index of the call (CALLS, then FORUM)
    title: str
    scheduled: datetime  # when the programme team set the session up
    coaching: datetime | None  # the teams' coaching morning
    coaching_place: str
    starts: datetime  # the first pitch
    place: str
    seats: tuple[Seat, ...]
    # The running order: project title -> juror -> (relevance, efficiency, wellbeing, comment);
    # a juror is a person key (appointed) or a position in the draw (drawn jurors).
    scores: dict[str, dict[str | int, tuple[int, int, int, str]]]
    deliberation: datetime | None  # decisions from then, 4 minutes apart; None: after each pitch
    closes: datetime
    notes: str
    minutes: int = 15  # per pitch
    gap: int = 15  # minutes from one pitch's start to the next
    share_scores: bool = False
    draw: tuple[int, str, datetime] | None = None  # (size, seed, when): jurors drawn among the agents
    mentor: tuple[str, str] | None = None  # (project title, person key): named after the decision


POUBELLE_CONFLICT = ("Aurélie Chevalier et Franck Guérin, qui portent le projet, travaillent dans ma direction "
                     "(Propreté et Déchets) : je ne note pas ce projet et ne prends pas part à la décision.")

JURY_DAYS = (
    JuryDay(
        0, "Jury de sélection de la promotion 2019", paris(2018, 12, 17, 11),
        paris(2019, 1, 24, 9), "Hôtel de Ville de Pau, salle des commissions",
        paris(2019, 1, 24, 14), "Hôtel de Ville de Pau, salle du conseil",
        (Seat("jury", chair=True), Seat("elu"), Seat("dga"),
         Seat("dproprete", conflicts=(("Poubelle Battle", POUBELLE_CONFLICT),)),
         Seat("conseillere", absent="Excusée : elle représente la Ville au conseil d'administration du CCAS "
                                    "le même après-midi.")),
        {
            "Signal'Trottoir : suivre les signalements de voirie": {
                "jury": (3, 2, 2, "Vrai problème, mais l'outil commun de l'agglomération arrive."),
                "elu": (3, 2, 3, "Les habitants le demandent ; doublon avec l'outil de l'agglomération."),
                "dga": (2, 2, 2, "La solution avant le problème : qui rappelle, et pourquoi ?"),
                "dproprete": (3, 2, 3, "Utile aux équipes, mais pas un projet à incuber."),
            },
            "Pau Partage": {
                "jury": (5, 4, 4, "Besoin fort, documenté par les auxiliaires de vie."),
                "elu": (5, 4, 5, "Exactement l'esprit du programme."),
                "dga": (5, 5, 4, "À tester très vite : la personne accepte-t-elle un bénévole ?"),
                "dproprete": (4, 4, 4, "Équipe solide, proche du terrain."),
            },
            "La médiathèque hors les murs": {
                "jury": (2, 2, 2, "Aucun habitant interrogé : on ne sait pas si le besoin existe."),
                "elu": (5, 4, 4, "Enfin une réponse pour les quartiers prioritaires !"),
                "dga": (3, 3, 4, "Belle intention, besoin à démontrer."),
                "dproprete": (3, 3, 3, "Coût du triporteur à préciser."),
            },
            "Cantine zéro gaspi": {
                "jury": (3, 3, 2, "Déjà dans le plan anti-gaspillage de l'Éducation."),
                "elu": (3, 3, 3, "Pertinent, mais doublon."),
                "dga": (2, 3, 2, "Le service s'en occupe déjà."),
                "dproprete": (3, 3, 2, "Pesées intéressantes, à verser au plan existant."),
            },
            "Poubelle Battle": {
                "jury": (5, 4, 4, "Problème chiffré : 70 % de compostable."),
                "elu": (4, 5, 4, "Des économies de traitement à la clé."),
                "dga": (4, 4, 4, "Tester le concours avec des habitants avant de développer."),
            },
            "Covoiturage entre agents des sites excentrés": {
                "jury": (2, 3, 3, "Une plateforme d'agglomération existe déjà."),
                "elu": (2, 2, 3, "À promouvoir plutôt qu'à refaire."),
                "dga": (3, 2, 3, "Intérêt réel pour les agents, mais pas ici."),
                "dproprete": (2, 3, 3, "Les dépôts seraient preneurs d'une campagne."),
            },
            "Jardins partagés en pied d'immeuble": {
                "jury": (3, 3, 3, "Quel problème : lien social, alimentation, cadre de vie ?"),
                "elu": (4, 3, 3, "Demande forte en conseil de quartier."),
                "dga": (3, 4, 3, "À préciser avec les bailleurs."),
                "dproprete": (3, 3, 4, "Les jardiniers de la Ville peuvent appuyer."),
            },
            "ID Quart": {
                "jury": (4, 3, 4, "Ambitieux ; à tester dans un quartier pilote."),
                "elu": (5, 4, 4, "La participation des habitants est notre priorité."),
                "dga": (4, 4, 4, "Équipe complémentaire : terrain et développement."),
                "dproprete": (4, 4, 3, "Convaincant s'il touche de nouveaux habitants."),
            },
            "Un accueil unique pour les nouveaux arrivants": {
                "jury": (2, 2, 3, "Relève de la réorganisation de l'accueil déjà engagée."),
                "elu": (3, 2, 3, "Bonne idée pour les familles, mais hors incubation."),
                "dga": (2, 2, 2, "Chantier de la direction générale."),
                "dproprete": (3, 2, 2, "Trop large pour une équipe de trois agents."),
            },
            "Réserver les gymnases en ligne": {
                "jury": (3, 2, 2, "Un logiciel existant fera l'affaire."),
                "elu": (3, 3, 2, "Les associations attendent une solution."),
                "dga": (3, 2, 3, "Un achat plutôt qu'une incubation."),
                "dproprete": (2, 3, 2, "Relève de la DSI."),
            },
        },
        paris(2019, 1, 24, 17), paris(2019, 1, 24, 17, 50),
        "Dix équipes entendues l'après-midi, après leur matinée de coaching. Martine Etcheverry, excusée, "
        "n'a pas pris part aux notes. Patrick Laborde s'est déporté pour Poubelle Battle, porté par deux agents "
        "de sa direction.\n\n"
        "Trois projets entrent en pré-incubation le 4 février : Pau Partage, Poubelle Battle et ID Quart. "
        "La médiathèque hors les murs a partagé le jury (fort écart de notes) : l'équipe est invitée à "
        "interroger des habitants avant de revenir ; le problème des jardins partagés reste à préciser. Les "
        "cinq autres projets ne sont pas retenus ; chaque équipe reçoit la motivation du jury.",
    ),
    JuryDay(
        1, "Jury de sélection de la promotion 2020", paris(2019, 12, 6, 11),
        paris(2020, 1, 16, 9), "Hôtel de Ville de Pau, salle des commissions",
        paris(2020, 1, 16, 14), "Hôtel de Ville de Pau, salle du conseil",
        (Seat("jury", chair=True), Seat("elu"), Seat("dga"), Seat("conseillere")),
        {
            "Histologe": {
                "jury": (5, 4, 4, "Des dossiers réels, un vrai problème."),
                "elu": (4, 4, 4, "Utile aux locataires comme aux bailleurs."),
                "dga": (5, 5, 4, "Repérer tôt coûte moins cher que traiter tard."),
                "conseillere": (5, 4, 4, "À construire avec les habitants."),
            },
            "Le permis de végétaliser": {
                "jury": (3, 2, 2, "À adopter directement, sans incubation."),
                "elu": (3, 3, 2, "Bonne idée, déjà éprouvée ailleurs."),
                "dga": (2, 2, 2, "Une délibération suffit."),
                "conseillere": (3, 2, 3, "Les habitants jardiniers l'attendent."),
            },
            "Des agents tuteurs pour les nouveaux arrivants": {
                "jury": (3, 3, 4, "Qui souffre : les nouveaux agents ou leurs encadrants ?"),
                "elu": (3, 3, 3, "À documenter."),
                "dga": (3, 4, 4, "Bon pour la fidélisation, à prouver."),
                "conseillere": (3, 3, 3, "Des entretiens d'abord."),
            },
            "Simone & Co": {
                "jury": (5, 4, 4, "Un besoin massif et peu visible."),
                "elu": (5, 5, 4, "Le coût des kits est modeste."),
                "dga": (4, 4, 4, "Choisir les points de distribution avec les personnes concernées."),
                "conseillere": (5, 4, 5, "Les travailleurs sociaux le demandent."),
            },
            "Les objets trouvés en ligne": {
                "jury": (2, 2, 2, "Volume trop faible."),
                "elu": (2, 3, 2, "Un service national existe."),
                "dga": (2, 2, 3, "Pas un projet à incuber."),
                "conseillere": (3, 2, 2, "Utile, mais marginal."),
            },
            "Alerte canicule pour les agents de terrain": {
                "jury": (3, 3, 4, "Voir d'abord la procédure du service de prévention."),
                "elu": (4, 3, 3, "Le besoin est réel chaque été."),
                "dga": (3, 3, 3, "À construire avec les encadrants."),
                "conseillere": (3, 3, 4, "La santé des agents d'abord."),
            },
            "Kameha Meha": {
                "jury": (4, 4, 4, "Simple et discret ; l'accord des collèges est la clé."),
                "elu": (5, 4, 4, "Un sujet grave, une réponse concrète."),
                "dga": (4, 4, 3, "Qui relève les boîtes, et quand ?"),
                "conseillere": (5, 4, 4, "Les élèves auront enfin un lieu pour parler."),
            },
        },
        paris(2020, 1, 16, 16), paris(2020, 1, 16, 16, 40),
        "Sept équipes entendues. Trois projets entrent en pré-incubation le 27 janvier : Histologe, Simone & Co "
        "et Kameha Meha ; Sylvie Perrin sera la mentore d'Histologe. Deux projets sont à retravailler, deux ne "
        "sont pas retenus.",
        mentor=("Histologe", "dga"),
    ),
    JuryDay(
        FORUM, "Forum des idées 2025 : séance de pitchs", paris(2025, 5, 13, 10),
        None, "", paris(2025, 6, 5, 14), "Hôtel de Ville de Pau, salle des commissions",
        (),
        {
            "La bricothèque des services": {
                0: (5, 5, 4, "Simple, pas cher, utile tout de suite."),
                1: (4, 5, 4, "Nous avons tous cherché une perceuse un jour."),
                2: (5, 4, 5, "Les services gagneront du temps et de l'argent."),
            },
            "Des pauses actives pour les équipes de bureau": {
                0: (3, 3, 5, "Bon pour les équipes, mais qui en a besoin ?"),
                1: (3, 2, 4, "À essayer avant de généraliser."),
                2: (4, 3, 4, "J'en profiterais ; il faut un essai."),
            },
            "Un robot conversationnel pour l'accueil téléphonique": {
                0: (2, 1, 2, "Coûteux ; les usagers veulent parler à quelqu'un."),
                1: (3, 2, 2, "Le vrai problème, ce sont les appels sans réponse."),
                2: (2, 2, 1, "Risque d'éloigner encore les usagers."),
            },
        },
        None, paris(2025, 6, 5, 15, 35),
        "Jury de trois agents tirés au sort le 26 mai parmi les agents éligibles (graine publique "
        "« forum-des-idees-2025 »), briefé 30 minutes avant la séance. Délibération devant chaque porteur, "
        "juste après son pitch. Une idée lancée, avec Sylvie Perrin pour mentore ; une à retravailler ; "
        "une abandonnée.",
        gap=30, share_scores=True, draw=(3, "forum-des-idees-2025", paris(2025, 5, 26, 10)),
        mentor=("La bricothèque des services", "dga"),
    ),
)


# The current cohort's pitch day: its times are set from `now` (_cohort_day); `{start}` in the notes
# is the day pre-incubation starts.
COHORT_DAY = JuryDay(
    COHORT, "Jury de sélection de la promotion {year}", None, None, "Hôtel de Ville de Pau, salle des commissions",
    None, "Hôtel de Ville de Pau, salle du conseil",
    (Seat("jury", chair=True), Seat("elu"), Seat("dga"), Seat("conseillere")),
    {
        "Le bruit dans les restaurants scolaires": {
            "jury": (4, 3, 4, "Un vrai sujet, mais aucune mesure du bruit pour l'instant."),
            "elu": (4, 3, 4, "Les parents nous en parlent souvent."),
            "dga": (3, 3, 4, "La solution est choisie avant d'avoir mesuré."),
            "conseillere": (3, 3, 4, "À documenter avec les agents et les enfants."),
        },
        "Retour en douceur": {
            "jury": (5, 4, 5, "Chaque direction connaît ce problème."),
            "elu": (4, 5, 5, "Peu coûteux et humain."),
            "dga": (5, 4, 5, "Construire le parcours avec des agents qui ont vécu une reprise."),
            "conseillere": (4, 4, 5, "Le bilan social le montre bien."),
        },
        "Sport sur ordonnance dans les parcs": {
            "jury": (4, 4, 4, "Des médecins partants ; les patients viendront-ils ?"),
            "elu": (5, 4, 4, "Bon usage des parcs et des éducateurs."),
            "dga": (4, 4, 3, "Vérifier ce qui existe déjà sur le territoire."),
            "conseillere": (4, 5, 4, "Simple à tester."),
        },
        "Une salle de repos pour les agents de nuit": {
            "jury": (2, 2, 4, "Relève de l'aménagement des locaux."),
            "elu": (3, 2, 4, "Légitime, mais déjà programmé."),
            "dga": (2, 2, 3, "Pas un projet à incuber."),
            "conseillere": (2, 3, 4, "À voir avec le Patrimoine bâti."),
        },
        "Punaises de lit : agir dès le premier signalement": {
            "jury": (5, 4, 4, "Un sujet de santé publique en hausse."),
            "elu": (5, 4, 4, "Les habitants nous alertent de plus en plus."),
            "dga": (5, 5, 4, "Associer les bailleurs dès le début."),
            "conseillere": (4, 4, 4, "Équipe qui connaît le terrain."),
        },
    },
    None, None,
    "Cinq équipes entendues sur le thème « Santé et qualité de vie », après leur matinée de coaching. Trois "
    "projets entrent en pré-incubation le {start} : Retour en douceur, Punaises de lit et Sport sur ordonnance "
    "dans les parcs. Le projet sur le bruit dans les restaurants scolaires est à retravailler ; la salle de "
    "repos des agents de nuit n'est pas retenue.",
)


# --- Playing the data ---------------------------------------------------------------------

# The theme each demo project is filed under (the learnings search and the catalogue filter on it).
DEMO_THEMES = {
    "Pau Partage": "solidarity", "Poubelle Battle": "environment", "ID Quart": "democracy",
    "Histologe": "housing", "Simone & Co": "health", "Kameha Meha": "education",
    "Retour en douceur": "internal", "Punaises de lit : agir dès le premier signalement": "housing",
    "Sport sur ordonnance dans les parcs": "health",
    "La bricothèque des services": "internal", "Des pauses actives pour les équipes de bureau": "internal",
    "Un robot conversationnel pour l'accueil téléphonique": "internal",
    "Un composteur dans chaque restaurant scolaire": "environment",
    "Réserver les salles de réunion en ligne": "internal", "Covoiturer vers les formations": "mobility",
    "Une boîte à livres dans chaque mairie de quartier": "culture",
    "Signal'Trottoir : suivre les signalements de voirie": "mobility", "Cantine zéro gaspi": "environment",
    "Covoiturage entre agents des sites excentrés": "mobility",
    "Un accueil unique pour les nouveaux arrivants": "internal", "Réserver les gymnases en ligne": "culture",
    "La médiathèque hors les murs": "culture", "Jardins partagés en pied d'immeuble": "environment",
    "Fiche de visite de logement sur tablette": "housing", "Un badge unique pour tous les bâtiments": "internal",
    "Déclarer ses absences en ligne": "internal", "Éclairage public à la demande": "environment",
    "Traduire les courriers administratifs en langage clair": "democracy",
    "Signalétique des écoles pour les parents allophones": "education",
    "Ouvrir les piscines en soirée": "culture", "Des tablettes pour les agents d'entretien": "internal",
    "Une boîte à idées numérique": "democracy", "Des fontaines à eau dans les parcs": "mobility",
    "Inscriptions périscolaires en ligne": "education", "Cartographier les défibrillateurs": "health",
    "Informer les familles des crèches par SMS": "education",
    "Réemployer le mobilier de bureau réformé": "environment", "Une carte des toilettes publiques": "mobility",
    "Concours photo des agents": "internal", "Prêt de matériel aux associations": "solidarity",
    "Signaler les dépôts sauvages": "environment",
    "Horaires décalés pour la collecte en centre-ville": "environment",
    "Un annuaire des compétences des agents": "internal", "Réparer les vélos de service": "mobility",
    "Accueillir les stagiaires": "internal", "Écrans d'information dans les halls d'accueil": "democracy",
    "Le permis de végétaliser": "environment", "Les objets trouvés en ligne": "internal",
    "Des agents tuteurs pour les nouveaux arrivants": "internal",
    "Alerte canicule pour les agents de terrain": "health",
    "Un parking vélo sécurisé à l'hôtel de ville": "mobility",
    "Panneaux d'information dans les quartiers": "democracy",
    "Visioconférence pour les réunions de chantier": "internal", "Effacer les tags en 48 heures": "mobility",
    "Un annuaire interne avec photos": "internal", "Les menus des cantines en pictogrammes": "education",
    "Ateliers numériques pour les seniors": "solidarity", "Un guichet unique des subventions": "economy",
    "La carte des arbres remarquables": "environment", "Prévenir les chutes à domicile": "health",
    "Le bruit dans les restaurants scolaires": "education",
    "Une salle de repos pour les agents de nuit": "internal",
    "Des lunettes pour les élèves qui voient mal": "education", "Un défi marche entre services": "health",
    "Se faire vacciner sur son lieu de travail": "health",
    "Un coin allaitement dans les bâtiments publics": "solidarity",
    "Des points d'eau pour les agents de terrain": "internal",
    "Accueillir en langue des signes à l'état civil": "solidarity",
    "Repérer les logements sans chauffage avant l'hiver": "housing", "Composter dans les crèches": "environment",
    "Moins d'impressions pour les conseils d'école": "environment",
}

ALL_CALLS = (*CALLS, FORUM_CALL)
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


@dataclass
class DemoSummary:
    accounts: list[tuple[str, str]]  # (role, e-mail) of the five demo accounts
    programmes: int
    calls: int
    projects: int
    sessions: int  # pitch sessions
    already_loaded: bool

    def describe(self) -> str:
        status = "already loaded" if self.already_loaded else "loaded"
        return (f"Demo data: {_count(self.programmes, 'programme')}, {_count(self.calls, 'call')}, "
                f"{_count(self.projects, 'project')}, {_count(self.sessions, 'pitch session')}, "
                f"{_count(len(self.accounts), 'demo account')} ({status})")


class _Plan(NamedTuple):
    call: int
    fields: dict
    team: tuple[str, ...]
    coaches: tuple[str, ...]
    created: datetime
    steps: list[tuple[datetime, str, str]]  # (at, event, comment)


def load_demo(now: datetime | None = None) -> DemoSummary:
    """Load the demo programmes once; later runs only re-create missing demo accounts."""
    now = aware(now or utcnow()).replace(second=0, microsecond=0)
    try:
        programme = db.session.scalar(select(Programme).where(Programme.name == PROGRAMME))
        already = programme is not None
        people = _ensure_people(DEMO_ACCOUNTS if already else {**DEMO_ACCOUNTS, **PEOPLE})
        if not already:
            _load(people, now)
        load_demo_publications(now)  # idempotent: publishes what a staff member has not touched yet
        summary = _summary(people, already)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _email(key: str) -> str:
    if key in DEMO_ACCOUNTS:
        return f"{key}@{DEMO_DOMAIN}"
    ascii_name = unicodedata.normalize("NFKD", PEOPLE[key].name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]+", ".", ascii_name.lower()).strip(".") + "@" + DEMO_DOMAIN


def _ensure_people(specs: dict[str, Person]) -> dict[str, User]:
    users: dict[str, User] = {}
    password_hash = None  # hashing is deliberately slow: once for every account
    for key, person in specs.items():
        user = find_user(_email(key))
        if user is None:
            password_hash = password_hash or generate_password_hash(DEMO_PASSWORD)
            user = create_user(_email(key), roles=[person.role], name=person.name,
                               service=SERVICES[person.service], title=person.title)
            user.password_hash = password_hash
        elif not user.has_role(person.role):
            user.set_roles(user.roles | {person.role})
        users[key] = user
    return users


def _load(people: dict[str, User], now: datetime) -> None:
    """Both programmes, their calls and projects; then every step in calendar order."""
    programme = Programme(name=PROGRAMME, organisation=ORGANISATION, description=PROGRAMME_DESCRIPTION,
                          created_at=paris(2018, 9, 3))
    forum = Programme(name=FORUM_PROGRAMME, organisation=ORGANISATION, description=FORUM_DESCRIPTION,
                      created_at=paris(2024, 12, 2))
    db.session.add_all([programme, forum])
    calls = []
    specs = _specs(now)
    for index, spec in enumerate(specs):
        labels = FORUM_QUESTION_LABELS if index == FORUM else QUESTION_LABELS
        questionnaire = [{**q, "label": labels[q["key"]]} for q in default_questionnaire()]
        call = create_call(title=spec.title, description=spec.description, opens_at=spec.opens,
                           closes_at=spec.closes,
                           workflow=FORUM_WORKFLOW if index == FORUM else WORKFLOW, questionnaire=questionnaire,
                           programme=forum if index == FORUM else programme, author=people["staff"])
        call.created_at = spec.opens - timedelta(days=14)
        calls.append(call)

    days = _jury_days(now)
    plans = sorted(_plans(specs, days, now), key=lambda p: p.created)
    projects: dict[tuple[int, str], Project] = {}
    decisions: dict[tuple[int, str], tuple[str, datetime, str]] = {}  # taken at a pitch day
    actions, last_changes = [], []  # actions: (when it starts, order, when it ends, what to do)
    incubated: list[Incubated] = []
    for plan in plans:
        author, *mates = (people[k] for k in plan.team)
        project = create_project(calls[plan.call], author, **plan.fields, at=plan.created,
                                 team_emails=[m.email for m in mates])
        projects[plan.call, project.title] = project
        if any(event == "start" for _, event, _ in plan.steps):
            incubated.append(Incubated(project, plan.team, plan.coaches, plan.steps))
        last_changes.append((project, max([plan.created] + [at for at, _, _ in plan.steps])))
        definition = get_definition(calls[plan.call].workflow)
        for at, event, comment in plan.steps:
            if definition.events[event].jury_decision:
                decisions[plan.call, project.title] = (event, at, comment)
            else:
                actor = _actor(definition, event, plan.team, people)
                actions.append((at, len(actions), at, partial(_fire, project, event, actor, comment, at,
                                                              [people[k] for k in plan.coaches])))
    pitched = {(day.call, title) for day in days for title in day.scores}
    if set(decisions) != pitched:
        raise ValueError(f"jury decisions without a pitch day, or the reverse: {set(decisions) ^ pitched}")
    for day in days:
        first = min(t for t in (day.coaching, day.starts, day.draw and day.draw[2]) if t)
        actions.append((first, len(actions), day.closes,
                        partial(_jury_day, day, calls[day.call], projects, decisions, people)))
    latest = max(end for _, _, end, _ in actions)
    if latest > now:
        raise ValueError(f"the demo's history reaches {latest:%Y-%m-%d}: `now` must be later")
    # The incubation ledger (logs, iterations, evidence, indicators), dated between the events, so
    # that each phase review's snapshot shows the evidence gathered until then.
    for at, action in ledger_actions(incubated, people, now):
        actions.append((at, len(actions), at, action))
    # Played in time order across projects and pitch days, so history ids follow the calendar.
    for _, _, _, action in sorted(actions, key=lambda a: a[:2]):
        action()
    settle(incubated, now)
    for project, at in last_changes:  # set last: every flush above stamped the real time
        project.updated_at = at
    db.session.flush()


# Who carries each real project on after its outcome.
TAKEN_OVER_BY = {
    "Pau Partage": "Pôle Seniors du CCAS de la Ville de Pau",
    "Poubelle Battle": "Direction Propreté et Déchets de l'agglomération, avec d'autres collectivités",
    "ID Quart": "Direction de la Citoyenneté et de la Vie des quartiers, avec une association de collectivités "
                "pour le logiciel libre",
    "Histologe": "Service communal d'hygiène et de santé de la Ville de Pau ; d'autres territoires, avec "
                 "l'incubateur de startups d'État",
    "Simone & Co": "Association Simone & Co, fondée par la porteuse du projet",
}


def _fire(project: Project, event: str, actor: User, comment: str, at: datetime, coaches: list[User]) -> None:
    fire(project, event, actor, comment, at=at, taken_over_by=TAKEN_OVER_BY.get(project.title, "")
         if get_definition(project.workflow).events[event].takeover else "")
    if event == "start":
        for coach in coaches:
            assign_coach(project, coach).assigned_at = at


def _jury_day(day: JuryDay, call: Call, projects: dict[tuple[int, str], Project],
              decisions: dict[tuple[int, str], tuple[str, datetime, str]], people: dict[str, User]) -> None:
    """A pitch session through the jury operations: jurors, absence, recusals, score sheets, decisions.

    The operations stamp the real time; the historical times are set on their results.
    """
    jury.save_criteria(call, [{"name": name, "description": text, "weight": 1, "scale_min": 1, "scale_max": 5}
                              for name, text in CRITERIA])
    order = [projects[day.call, title] for title in day.scores]
    session = jury.create_session(call, title=day.title, starts_at=day.starts, place=day.place,
                                  coaching_at=day.coaching, coaching_place=day.coaching_place,
                                  minutes_per_pitch=day.minutes, share_scores=day.share_scores,
                                  project_ids=[p.id for p in order])
    session.created_at = day.scheduled
    jurors: dict[str | int, Juror] = {}
    for seat in day.seats:
        jurors[seat.person] = jury.appoint_juror(session, people[seat.person], chair=seat.chair)
        jurors[seat.person].added_at = day.scheduled
    if day.draw:
        size, seed, drawn_at = day.draw
        draw = jury.draw_jurors(session, size, people["staff"], seed=seed, at=drawn_at)
        by_user = {j.user_id: j for j in session.jurors}
        for position, user_id in enumerate(draw.drawn):
            jurors[position] = by_user[user_id]
            jurors[position].added_at = drawn_at
        if not any(seat.chair for seat in day.seats):
            jury.set_chair(session, jurors[0])  # the first agent drawn chairs
    briefing = day.starts - timedelta(minutes=30)
    for seat in day.seats:
        if seat.absent:
            jury.mark_absent(jurors[seat.person], seat.absent)
        for title, reason in seat.conflicts:
            jury.declare_conflict(jurors[seat.person], projects[day.call, title], reason).declared_at = briefing
    criteria = jury.ensure_criteria(call)
    for position, project in enumerate(order):
        pitch_ends = day.starts + timedelta(minutes=day.gap * position + day.minutes)
        for n, (key, (*values, comment)) in enumerate(day.scores[project.title].items()):
            sheet = jury.save_scores(jurors[key], project, {c.id: v for c, v in zip(criteria, values, strict=True)},
                                     comment=comment, submit=True)
            sheet.submitted_at = sheet.updated_at = pitch_ends + timedelta(minutes=n + 1)
    chair = next(j for j in session.jurors if j.is_chair)
    for project in order:
        event, at, rationale = decisions[day.call, project.title]
        jury.decide(session, project, chair.user, event, rationale, at=at)
    if day.mentor:
        title, key = day.mentor
        projects[day.call, title].mentor = people[key]
    jury.close_deliberation(session, chair.user, day.notes, at=day.closes)


def _decision_at(day: JuryDay, position: int) -> datetime:
    """When the jury decides on the project pitching at `position`: at the deliberation, 4 minutes
    apart, or (a forum) 10 minutes after its pitch, in front of the carrier."""
    if day.deliberation is not None:
        return day.deliberation + timedelta(minutes=4 * position)
    return day.starts + timedelta(minutes=day.gap * position + day.minutes + 10)


def cohort_start(now: datetime) -> datetime:
    """When the current cohort entered pre-incubation: Monday 9:00 (Paris), COHORT_WEEKS_AGO weeks before
    `now`'s week. Its first review, three months later, took one project to startup mode, whose next review
    falls due about three weeks after `now`."""
    today = now.astimezone(PARIS).date()
    monday = today - timedelta(days=today.weekday(), weeks=COHORT_WEEKS_AGO)
    return datetime(monday.year, monday.month, monday.day, 9, tzinfo=PARIS)


def _resolve(spec: CallSpec, now: datetime) -> CallSpec:
    """The call with its dates: the current cohort's are set from `now`, the open call's around `now`."""
    if spec.relative:
        start = cohort_start(now)
        closes = (start - timedelta(weeks=11) + timedelta(days=4)).replace(hour=18)  # a Friday
        return spec._replace(title=spec.title.format(year=start.year), opens=start - timedelta(weeks=19),
                             closes=closes, shortlist=(closes + timedelta(days=7)).replace(hour=10), start=start)
    if spec.opens is None:
        ago, ahead = OPEN_CALL_WINDOW
        local = now.astimezone(PARIS)
        opens = (local - ago).replace(hour=9, minute=0)
        return spec._replace(opens=min(opens, now - ago), closes=(local + ahead).replace(hour=18, minute=0))
    return spec


def _specs(now: datetime) -> list[CallSpec]:
    return [_resolve(spec, now) for spec in ALL_CALLS]


def _jury_days(now: datetime) -> tuple[JuryDay, ...]:
    """The pitch days, with the current cohort's dated from `now`: a Thursday three weeks before it starts."""
    start = cohort_start(now)
    shortlist = _resolve(CALLS[COHORT], now).shortlist
    pitch = (start - timedelta(days=18)).replace(hour=14)
    cohort = COHORT_DAY._replace(
        title=COHORT_DAY.title.format(year=start.year),
        scheduled=(shortlist + timedelta(days=3)).replace(hour=11), coaching=pitch.replace(hour=9),
        starts=pitch, deliberation=pitch.replace(hour=15, minute=30), closes=pitch.replace(hour=16, minute=10),
        notes=COHORT_DAY.notes.format(start=_french_date(start)))
    return (*JURY_DAYS, cohort)


def _french_date(moment: datetime) -> str:
    day = moment.day
    return f"{'1er' if day == 1 else day} {MONTHS[moment.month - 1]}"


def _plans(specs: list[CallSpec], jury_days: tuple[JuryDay, ...], now: datetime) -> list[_Plan]:
    agents = [k for k, p in PEOPLE.items() if p.role == "agent"]
    days = {day.call: day for day in jury_days}
    plans = []
    for index, spec in enumerate(specs):
        opens, closes = spec.opens, spec.closes
        rows = SUBMISSIONS.get(index, ())
        span = (min(closes, now) - opens).days - 4
        entries = []
        for i, row in enumerate(rows):
            created = (opens + timedelta(days=1 + i * span // len(rows))).replace(
                hour=9 + i * 3 % 8, minute=i * 17 % 60)
            steps = [(event, when, row.comment if event in COMMENTED else "") for event, when in OUTCOMES[row.outcome]]
            entries.append((row, _team(row, i, agents), (), created, steps))
        for real in (*REAL_PROJECTS, *CURRENT_COHORT, *FORUM_IDEAS):
            if real.call == index:
                created = _when(real.created, {"opens": opens, "closes": closes})
                entries.append((real, real.team, real.coaches, created, real.script))
        day = days.get(index)
        running_order = list(day.scores) if day else []
        for i, (row, team, coaches, created, script) in enumerate(entries):
            anchors = {"opens": opens, "created": created, "submitted": created + timedelta(days=2, hours=2)}
            if spec.shortlist:
                anchors.update(shortlist=spec.shortlist + timedelta(minutes=4 * i), start=spec.start)
            if row.title in running_order:
                anchors["pitch"] = _decision_at(day, running_order.index(row.title))
            fields = {"title": row.title, "service": SERVICES[row.service], "problem": row.problem,
                      "proposal": row.proposal, "theme": DEMO_THEMES.get(row.title),
                      "answers": {"affected": row.affected, "frequency": row.frequency, "evidence": row.evidence}}
            plans.append(_Plan(index, fields, team, coaches, created,
                               [(_when(when, anchors), event, comment) for event, when, comment in script]))
    return plans


WHEN = re.compile(r"(?P<anchor>[a-z]+)(?:\+(?P<days>\d+)d)?(?:@(?P<hour>\d\d):(?P<minute>\d\d))?")


def _when(when: datetime | str, anchors: dict[str, datetime]) -> datetime:
    """A datetime, or `anchor`, `anchor+Nd` (N days later, same time) or `anchor+Nd@HH:MM` (at that time,
    Paris)."""
    if isinstance(when, datetime):
        return when
    match = WHEN.fullmatch(when)
    if match is None:
        raise ValueError(f"not a date or an anchor: {when!r}")
    moment = anchors[match["anchor"]] + timedelta(days=int(match["days"] or 0))
    if match["hour"]:
        moment = moment.astimezone(PARIS).replace(hour=int(match["hour"]), minute=int(match["minute"]))
    return moment


def _team(row: Submission, index: int, agents: list[str]) -> tuple[str, ...]:
    """The row's own team, or an agent of its service and one or two colleagues from elsewhere."""
    if row.team:
        return row.team
    same = [k for k in agents if PEOPLE[k].service == row.service] or agents
    author = same[index % len(same)]
    others = [k for k in agents[index * 5 % len(agents):] + agents[:index * 5 % len(agents)] if k != author]
    return (author, *others[:1 + index % 2])


def _actor(definition: Definition, event_name: str, team: tuple[str, ...], people: dict[str, User]) -> User:
    roles = definition.events[event_name].roles
    if "team" in roles:
        return people[team[0]]
    if "jury" in roles:
        return people[JURY_ACTOR.get(event_name, "jury")]
    return people["staff"]


def _summary(people: dict[str, User], already: bool) -> DemoSummary:
    names = (PROGRAMME, FORUM_PROGRAMME)
    programmes = db.session.scalar(select(func.count(Programme.id)).where(Programme.name.in_(names)))
    calls = db.session.scalar(select(func.count(Call.id)).join(Programme, Call.programme_id == Programme.id)
                              .where(Programme.name.in_(names)))
    projects = db.session.scalar(select(func.count(Project.id)).join(Call, Project.call_id == Call.id)
                                 .join(Programme, Call.programme_id == Programme.id)
                                 .where(Programme.name.in_(names)))
    sessions = db.session.scalar(select(func.count(PitchSession.id)).join(Call, PitchSession.call_id == Call.id)
                                 .join(Programme, Call.programme_id == Programme.id)
                                 .where(Programme.name.in_(names)))
    return DemoSummary(accounts=[(role, people[role].email) for role in DEMO_ACCOUNTS], programmes=programmes,
                       calls=calls, projects=projects, sessions=sessions, already_loaded=already)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
