"""Security: hostile Markdown stays inert, CSRF on every form, who sees what, logging in."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from incubator import create_app
from incubator.extensions import db
from incubator.incubation import operations as ledger
from incubator.incubation.models import week_label, week_start
from incubator.jury import operations as jury
from incubator.markdown import render_markdown
from incubator.models import ProjectCoach
from incubator.notifications.models import Notification
from incubator.notifications.service import notify
from incubator.workflows import fire
from tests.conftest import PASSWORD, csrf_token, extract_csrf
from tests.incubation_helpers import Incubating, incubate
from tests.jury_helpers import Day, build_day

# --- an HTML audit: what would run in a browser -------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
                  "cite", "srcset", "ping"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}
NEVER_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "math"}


class Audit(HTMLParser):
    """Collects every tag with its attributes, and the text inside <script> and <style>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []
        self.raw_text: list[str] = []
        self._in_raw = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [(name, value or "") for name, value in attrs]))
        self._in_raw = tag in ("script", "style")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self._in_raw = False

    def handle_data(self, data):
        if self._in_raw and data.strip():
            self.raw_text.append(data)


def live_html_problems(page: str) -> list[str]:
    """Whatever in `page` a browser would run or load from a hostile source; [] when inert."""
    audit = Audit()
    audit.feed(page)
    audit.close()
    problems = []
    for tag, attrs in audit.tags:
        attributes = dict(attrs)
        if tag in NEVER_TAGS:
            problems.append(f"<{tag}> element")
        if tag == "script" and not attributes.get("src", "").startswith("/static/"):
            problems.append(f"<script> not from /static/: {attrs}")
        if tag == "svg" and any(name.startswith("on") for name, _ in attrs):
            problems.append("<svg> with a handler")
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            problems.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=...> event handler")
            if name == "style" and ("expression" in value.lower() or "url(" in value.lower()):
                problems.append(f"<{tag} style={value!r}>")
            if name in URL_ATTRIBUTES:
                scheme = urlsplit(html.unescape(value).strip().replace("\t", "").replace("\n", "")).scheme.lower()
                if scheme not in SAFE_SCHEMES and not (scheme == "data" and tag in ("img", "link")):
                    problems.append(f"<{tag} {name}={value!r}> unsafe scheme")
    problems += [f"script/style text: {text[:60]!r}" for text in audit.raw_text if "alert" in text]
    return problems


HANDLERS = re.compile(r"\bon[a-z]+\s*=")


def markup_problems(page: str) -> list[str]:
    """live_html_problems, plus a plain look at every tag, which also sees through comment tricks."""
    problems = live_html_problems(page)
    # The app's own workflow picture (drawn from the definition, never from user text: its
    # escaping is tested in tests/test_workflow_diagram.py) is the one SVG a page may hold.
    page = re.sub(r'<svg class="wfd[ "].*?</svg>', "", page, flags=re.S)
    lowered = page.lower()
    # A literal "<" only comes from markup, never from escaped text.
    problems += [f"{needle} in the page" for needle in
                 ("<script>", "<iframe", "<style", "<svg", "<object", "<embed", "<math", "<base")
                 if needle in lowered]
    for tag in re.findall(r"<[a-z!][^>]*>", lowered):
        bare = re.sub(r'"[^"]*"', '""', tag)  # quoted values are data, not markup
        if HANDLERS.search(bare):
            problems.append(f"handler in {tag}")
        if re.search(r"""(href|src|action)\s*=\s*'?\s*(javascript|vbscript|data):""", bare) \
                and not tag.startswith(("<img", "<link")):
            problems.append(f"unsafe URL in {tag}")
    return problems


# Hostile Markdown; VISIBLE is benign text each carries, to prove the field is shown at all.
VISIBLE = "Contenu-visible"
HOSTILE = {
    "script": "<script>alert(1)</script>",
    "script-upper": "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "img-onerror": '<img src=x onerror="alert(1)">',
    "img-onerror-unquoted": "<img src=x onerror=alert(1)//>",
    "a-javascript": '<a href="javascript:alert(1)">clic</a>',
    "a-javascript-entities": '<a href="&#106;avascript&#58;alert(1)">clic</a>',
    "a-javascript-tab": '<a href="java\tscript:alert(1)">clic</a>',
    "a-vbscript": '<a href="vbscript:msgbox(1)">clic</a>',
    "a-data": '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">clic</a>',
    "md-link-javascript": "[x](javascript:alert(1))",
    "md-link-javascript-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "md-link-javascript-encoded": "[x](javascript&#58;alert(1))",
    "md-reference-javascript": "[x][1]\n\n[1]: javascript:alert(1)",
    "md-autolink-javascript": "<javascript:alert(1)>",
    "md-image-data": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "md-image-onerror": '![x" onerror="alert(1)](https://example.org/x.png)',
    "md-link-title-breakout": '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "style-tag": "<style>body { display: none }</style>",
    "style-attribute": '<p style="background:url(javascript:alert(1))">p</p>',
    "svg-onload": "<svg onload=alert(1)>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "object": '<object data="javascript:alert(1)"></object>',
    "embed": '<embed src="javascript:alert(1)">',
    "form": '<form action="https://evil.example"><button formaction="javascript:alert(1)">ok</button></form>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "base": '<base href="https://evil.example/">',
    "div-handler": '<div onmouseover="alert(1)">survol</div>',
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "mxss-math": ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table>"
                  "</mtext></math>"),
    "comment-breakout": "<!--><img src=x onerror=alert(1)>-->",
    "attribute-breakout": '"><img src=x onerror=alert(1)>',
    "html-in-code-span": "`<script>alert(1)</script>`",
}
HOSTILE_ALL = "\n\n".join(f"{VISIBLE} {payload}" for payload in HOSTILE.values())


# --- render_markdown on its own -----------------------------------------------------------------------

@pytest.mark.parametrize("payload", list(HOSTILE.values()), ids=list(HOSTILE))
def test_render_markdown_neutralises(payload):
    out = str(render_markdown(f"{VISIBLE} {payload}"))
    assert markup_problems(out) == []
    lowered = out.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<style" not in lowered
    assert "onerror=" not in lowered and "onload=" not in lowered
    assert VISIBLE in out


# Payloads Python-Markdown alone leaves harmless (escaped, or no longer a URL a browser would run).
HARMLESS_WITHOUT_SANITISER = {"a-javascript-tab", "md-autolink-javascript", "md-image-data", "md-image-onerror",
                              "md-link-title-breakout", "html-in-code-span"}


@pytest.mark.parametrize("name", sorted(set(HOSTILE) - HARMLESS_WITHOUT_SANITISER))
def test_the_checks_catch_what_markdown_alone_lets_through(name):
    """Without the nh3 allow-list these payloads are live: the checks above are not vacuous."""
    import markdown

    assert markup_problems(markdown.markdown(f"{VISIBLE} {HOSTILE[name]}", extensions=["extra"]))


def test_render_markdown_keeps_ordinary_markdown():
    out = str(render_markdown(
        "# Titre\n\nDu **gras**, de l'*italique*, un [lien](https://example.org/page) et "
        "<mailto:agent@example.org>.\n\n- un\n- deux\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n`code`"
    ))
    assert "<h2>Titre</h2>" in out and "<h1" not in out
    assert "<strong>gras</strong>" in out and "<em>italique</em>" in out
    assert 'href="https://example.org/page"' in out
    assert 'rel="noopener noreferrer nofollow"' in out
    assert "mailto:" in out
    assert "<li>un</li>" in out and "<table>" in out and "<code>code</code>" in out


def test_render_markdown_of_nothing():
    assert render_markdown(None) == "" and render_markdown("") == ""


def test_render_markdown_escapes_text_that_looks_like_html():
    out = str(render_markdown("a < b && c > d"))
    assert "&lt;" in out and "&gt;" in out and "&amp;" in out


def test_render_markdown_is_markup_and_escaped_content_stays_escaped():
    out = render_markdown("<b>gras</b> &lt;script&gt;")
    assert hasattr(out, "__html__")
    assert "<script" not in str(out)


# --- hostile content on the pages ---------------------------------------------------------------------

@pytest.fixture
def hostile_project(make_user, make_call, make_project):
    """A call and a project whose every free text is hostile, one step further than shortlisted."""
    call = make_call(
        title=f"{VISIBLE}-appel <script>alert(1)</script>",
        description=HOSTILE_ALL,
        questionnaire=[
            {"key": "affected", "label": '<img src=x onerror="alert(1)"> Qui ?', "required": True},
            {"key": "evidence", "label": "[x](javascript:alert(1))", "required": False},
        ],
    )
    team = [make_user("agent", name='<svg onload=alert(1)> Agent'), make_user("agent")]
    project = make_project(
        "shortlisted", call=call, team=team, title=f"{VISIBLE}-projet <script>alert(1)</script>",
        problem=HOSTILE_ALL, proposal=HOSTILE_ALL, service='"><img src=x onerror=alert(1)>',
        answers={"affected": HOSTILE_ALL, "evidence": HOSTILE_ALL},
    )
    fire(project, "ask_rework", make_user("staff", name="<script>alert(1)</script>"), HOSTILE_ALL)
    db.session.commit()
    return project


def assert_inert_page(response):
    """No live markup from the payloads. Their text may show, escaped: "onerror=" as words is harmless."""
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    assert markup_problems(page) == []
    return page


@pytest.mark.parametrize("viewer", ["team", "staff"])
def test_hostile_project_page_is_inert(hostile_project, viewer, make_user, login, client):
    project_id, call_id = hostile_project.id, hostile_project.call_id
    login(hostile_project.members[0].user if viewer == "team" else make_user("staff"))
    page = assert_inert_page(client.get(f"/projects/{project_id}"))
    # The content is shown, as text: every field carries the visible marker.
    assert page.count(VISIBLE) >= 4 * len(HOSTILE)
    assert f"{VISIBLE}-projet" in page
    assert "&lt;script&gt;" in page  # the title's script tag shows as text
    page = assert_inert_page(client.get(f"/calls/{call_id}"))
    assert page.count(VISIBLE) >= len(HOSTILE)


def test_hostile_content_in_lists_is_inert(hostile_project, make_user, login, client):
    login(make_user("staff"))
    for path in ("/", "/calls/", "/projects/", f"/calls/{hostile_project.call_id}?state=rework"):
        assert_inert_page(client.get(path))


def test_hostile_proposal_form_is_inert(hostile_project, login, client):
    hostile_project_id = hostile_project.id
    team = hostile_project.members[0].user
    fire(hostile_project, "reopen", team, "")
    db.session.commit()
    login(team)
    page = assert_inert_page(client.get(f"/projects/{hostile_project_id}/edit"))
    assert VISIBLE in page


def test_pages_send_a_content_security_policy(make_user, login, client):
    login(make_user("staff"))
    policy = client.get("/calls/").headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy


# --- CSRF on every form -------------------------------------------------------------------------------

def _post_rules():
    probe = create_app({"TESTING": True, "SECRET_KEY": "probe", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted((rule.endpoint, rule.rule) for rule in probe.url_map.iter_rules()
                  if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/"))


POST_RULES = _post_rules()


class World:
    """A call, a draft with two teammates, coaches, staff: enough for every form to succeed.

    The jury's forms need a pitch session besides: built on the first jury form asked for, so the
    other cases do not pay for it."""

    def __init__(self, make_user, make_call, make_project):
        self._factories = (make_user, make_call, make_project)
        self._day: Day | None = None
        self._incubating: Incubating | None = None
        self.call = make_call()
        self.agent, self.teammate, self.newcomer = make_user("agent"), make_user("agent"), make_user("agent")
        self.staff = make_user("staff")
        self.coach, self.free_coach = make_user("coach"), make_user("coach")
        self.admin = make_user("admin")
        self.project = make_project("draft", call=self.call, team=[self.agent, self.teammate])
        self.project.coaches.append(ProjectCoach(user=self.coach))
        db.session.commit()

    @property
    def day(self) -> Day:
        """A pitch session on two shortlisted projects, the first already selected by the chair.

        Its jury: the chair, a present member, an absent member. Besides: an elected official free
        to sit or mentor, and an agent of another service, the pool of a draw. No score yet.
        """
        if self._day is None:
            make_user, make_call, make_project = self._factories
            day = build_day(make_user, make_call, make_project)
            jury.mark_absent(day.jurors[2], "Excusée")
            jury.decide(day.session, day.projects[0], day.chair.user, "select", "Un vrai besoin.",
                        override_reason="Le jury a entendu le projet.")
            db.session.commit()
            self.elected = make_user("jury", name="Élue libre")
            self.pool_agent = make_user("agent", service="Service tiré")
            self._day = day
        return self._day

    def jury_form(self, endpoint: str):
        day = self.day
        staff, chair, member, absentee = day.staff, day.chair, day.jurors[1], day.jurors[2]
        selected, undecided = day.projects
        s = {"session_id": day.session.id}
        starts = day.session.starts_at + timedelta(days=7)
        session_fields = {"title": "Jury de rattrapage", "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
                          "minutes_per_pitch": "20", "place": "Salle 12",
                          "coaching_at": (starts - timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
                          "coaching_place": "Salle 204", "share_scores": "y"}
        return {
            "jury.new_session": (staff, {"call_id": day.call.id},
                                 {**session_fields, "projects": [str(undecided.id)]}),
            "jury.edit": (staff, s, session_fields),
            "jury.running_order": (staff, s, {f"position-{selected.id}": "2", f"position-{undecided.id}": "1"}),
            "jury.appoint": (staff, s, {"user": str(self.elected.id), "chair": "y"}),
            "jury.draw": (staff, s, {"size": "1", "seed": "graine-csrf"}),
            "jury.absent": (staff, {**s, "juror_id": member.id}, {f"j{member.id}-note": "Empêché"}),
            "jury.present": (staff, {**s, "juror_id": absentee.id}, {}),
            "jury.replace": (staff, {**s, "juror_id": absentee.id}, {f"j{absentee.id}-user": str(self.elected.id)}),
            "jury.chair": (staff, {**s, "juror_id": member.id}, {}),
            "jury.score": (member.user, {**s, "project_id": undecided.id},
                           {**{f"criterion-{c.id}": "4" for c in day.criteria}, "comment": "Solide.",
                            "action": "submit"}),
            "jury.conflict": (member.user, {**s, "project_id": undecided.id}, {"reason": "Mon ancien service."}),
            "jury.deliberation": (chair.user, s, {"notes": "Le jury salue les pitchs."}),
            "jury.decision": (chair.user, {**s, "project_id": undecided.id},
                              {f"p{undecided.id}-event": "ask_rework", f"p{undecided.id}-rationale": "Préciser.",
                               f"p{undecided.id}-override_reason": "Un juré a dû partir."}),
            "jury.close": (staff, s, {}),
            "jury.criteria": (staff, {"call_id": day.call.id},
                              {"criteria-0-name": "Pertinence", "criteria-0-description": "Un vrai besoin ?",
                               "criteria-0-weight": "2", "criteria-0-scale_min": "1", "criteria-0-scale_max": "5"}),
            "jury.assign_mentor": (staff, {**s, "project_id": selected.id}, {"mentor": str(self.elected.id)}),
            "jury.mission_letter_template": (staff, {"programme_id": day.call.programme_id},
                                             {"template": "Bonjour ${mentor_name}", "save": "1"}),
        }.get(endpoint)

    @property
    def incubating(self) -> Incubating:
        """A project in pre-incubation for ten weeks, with an iteration, an indicator and evidence."""
        if self._incubating is None:
            make_user, _make_call, make_project = self._factories
            started = datetime.now(UTC) - timedelta(weeks=10)
            inc = incubate(make_project, make_user, at=started, title="Projet incubé CSRF")
            at = datetime.now(UTC)
            ledger.save_iteration(inc.project, inc.coach, title="Premier test", hypothesis="Une hypothèse",
                                  started_on=started.date(), at=at)
            self.indicator = ledger.declare_indicator(inc.project, inc.coach, name="Usagers", at=at)
            self.validation = ledger.add_validation(inc.project, inc.coach, method="interviews", users_count=3,
                                                    held_on=at.date(), verdict="mixed", at=at)
            db.session.commit()
            self._incubating = inc
        return self._incubating

    def notified(self):
        """An unread notification for the agent."""
        notify([self.agent], "state_changed", f"csrf-{datetime.now(UTC).timestamp()}",
               params={"project": "Projet"}, link=f"/projects/{self.project.id}", project_id=self.project.id)
        db.session.commit()
        return db.session.scalar(select(Notification).where(Notification.user_id == self.agent.id))

    def incubation_form(self, endpoint: str):
        inc = self.incubating
        p = {"project_id": inc.project.id}
        last_week = week_label(week_start(datetime.now(UTC).date()) - timedelta(days=7))
        today = datetime.now(UTC).date().isoformat()
        iteration = {"title": "Deuxième test", "hypothesis": "Les usagers viennent", "started_on": today,
                     "experiment": "", "audience": "", "users_count": "12", "measure": "", "target": "",
                     "result": "", "learning": "", "decision": "", "pivot_change": "", "ended_on": ""}
        v = f"indicator-{self.indicator.id}"
        return {
            "incubation.edit_log": (inc.coach, {**p, "week": last_week},
                                    {"done": "Entretiens", "learnt": "", "blockers": "", "next_steps": "",
                                     "team_note": "", "days_spent": "2", "confidence": "3"}),
            "incubation.new_iteration": (inc.coach, p, iteration),
            "incubation.edit_iteration": (inc.coach, {**p, "number": 1}, {**iteration, "title": "Premier test revu"}),
            "incubation.declare_indicator": (inc.coach, p, {"name": "Kits distribués", "unit": "kits",
                                                            "description": "", "target": "1000"}),
            "incubation.record_indicator_value": (inc.coach, {**p, "indicator_id": self.indicator.id},
                                                  {f"{v}-measured_on": today, f"{v}-value": "40", f"{v}-note": ""}),
            "incubation.programme_settings": (inc.staff, {"programme_id": inc.project.call.programme_id},
                                              {"phase_pre_incubation": "1,5", "phase_startup": ""}),
            "incubation.new_validation": (inc.coach, p, {"method": "survey", "users_count": "40", "held_on": today,
                                                         "verdict": "validated", "notes": "", "iteration_id": ""}),
            "incubation.add_attachment": (inc.coach, {**p, "validation_id": self.validation.id},
                                          {"files": lambda: (io.BytesIO(b"%PDF-1.4 test"), "cr.pdf")}),
            "incubation.review": (inc.staff, p, {"event": "continue", "comment": "Encore un trimestre.",
                                                 "taken_over_by": ""}),
        }.get(endpoint)

    def form(self, endpoint: str):
        """(who posts, URL arguments, form data) for a request that succeeds with a valid token.

        A value may be a function, called for each request (a file to upload is read once)."""
        if endpoint.startswith("jury."):
            return self.jury_form(endpoint)
        if endpoint.startswith("incubation."):
            return self.incubation_form(endpoint)
        if endpoint == "notifications.open":
            return (self.agent, {"notification_id": self.notified().id}, {})
        if endpoint == "notifications.read_all":
            self.notified()
            return (self.agent, {}, {})
        if endpoint == "notifications.preferences":
            return (self.agent, {}, {"email_frequency": "digest", "locale": "en"})
        if endpoint == "opendata.publish":
            return (self.staff, {"project_id": self.incubating.project.id},
                    {"summary": "Un résumé pour le public.", "theme": "health", "publish": "y"})
        if endpoint == "opendata.consent":
            return (self.agent, {}, {"projects": [str(self.project.id)]})
        opens = datetime.now(UTC) + timedelta(days=5)
        dates = {"opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
                 "closes_at": (opens + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")}
        p, c = {"project_id": self.project.id}, {"call_id": self.call.id}
        return {
            "auth.login": (None, {}, {"email": self.agent.email, "password": PASSWORD}),
            "auth.logout": (self.agent, {}, {}),
            "auth.language": (self.agent, {}, {"lang": "en", "next": "/"}),
            "calls.new": (self.staff, {}, {"title": "Nouvel appel", "description": "", "questionnaire": "",
                                           "workflow": "pau", **dates}),
            "calls.edit": (self.staff, c, {"title": "Appel renommé", "description": "", "questionnaire": "",
                                           **dates}),
            "calls.propose": (self.newcomer, c, {"title": "Autre projet", "problem": "", "proposal": "",
                                                 "service": "", "team": ""}),
            "projects.fire_event": (self.agent, p, {"event": "submit", "comment": ""}),
            "projects.edit": (self.agent, p, {"title": "Titre revu", "problem": "p", "proposal": "p",
                                              "service": "s"}),
            "projects.add_teammate": (self.agent, p, {"email": self.newcomer.email}),
            "projects.remove_teammate": (self.agent, {**p, "user_id": self.teammate.id}, {}),
            "projects.add_coach": (self.staff, p, {"coach": str(self.free_coach.id)}),
            "projects.remove_coach": (self.staff, {**p, "user_id": self.coach.id}, {}),
            "admin.new_user": (self.admin, {}, {"email": "nouveau@example.org", "name": "Nouvelle Personne",
                                                "service": "", "title": "", "roles": ["agent", "coach"],
                                                "password": "assez-long-1234", "password_confirm": "assez-long-1234"}),
            "admin.edit_user": (self.admin, {"user_id": self.agent.id}, {"name": "Agent renommé", "service": "",
                                                                         "title": "", "roles": ["agent"],
                                                                         "active": "y"}),
        }.get(endpoint)


@pytest.fixture
def world(make_user, make_call, make_project):
    return World(make_user, make_call, make_project)


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session", domain="incubator.test")
    return cookie.value if cookie else None


def everything() -> dict[str, list[tuple]]:
    """Every row of every table: a refused request must leave all of it as it was."""
    with db.engine.connect() as conn:
        return {table.name: [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
                for table in db.metadata.sorted_tables}


def test_the_forms_are_all_known():
    """A new form route needs its line in World.form, so the CSRF test posts a valid form to it."""
    known = {"auth.login", "auth.logout", "auth.language", "calls.new", "calls.edit", "calls.propose",
             "projects.fire_event", "projects.edit", "projects.add_teammate", "projects.remove_teammate",
             "projects.add_coach", "projects.remove_coach", "admin.new_user", "admin.edit_user",
             "jury.new_session", "jury.edit", "jury.running_order", "jury.appoint", "jury.draw", "jury.absent",
             "jury.present", "jury.replace", "jury.chair", "jury.score", "jury.conflict", "jury.deliberation",
             "jury.decision", "jury.close", "jury.criteria", "jury.assign_mentor", "jury.mission_letter_template",
             "incubation.edit_log", "incubation.new_iteration", "incubation.edit_iteration",
             "incubation.declare_indicator", "incubation.record_indicator_value", "incubation.programme_settings",
             "incubation.new_validation", "incubation.add_attachment", "incubation.review",
             "notifications.open", "notifications.read_all", "notifications.preferences",
             "opendata.publish", "opendata.consent"}
    assert {endpoint for endpoint, _rule in POST_RULES} == known
    assert len(POST_RULES) >= 12


@pytest.mark.parametrize("token", ["missing", "empty", "garbage", "other-session"])
@pytest.mark.parametrize(("endpoint", "rule"), POST_RULES, ids=[e for e, _ in POST_RULES])
def test_every_form_refuses_a_post_without_a_valid_csrf_token(endpoint, rule, token, world, login, client, app):
    user, args, data = world.form(endpoint)
    if user is not None:
        login(user)
    url = url_for(endpoint, _external=False, **args)
    fields = dict(data)

    def fresh(extra: dict) -> dict:
        return {**{k: v() if callable(v) else v for k, v in fields.items()}, **extra}

    data = fresh({})
    if token == "empty":
        data["csrf_token"] = ""
    elif token == "garbage":
        data["csrf_token"] = "IjAwMDAi.Zz1Zz1.not-a-signature"
    elif token == "other-session":
        data["csrf_token"] = extract_csrf(app.test_client().get("/login").get_data(as_text=True))
    before = everything()

    response = client.post(url, data=data)

    assert response.status_code == 400, (url, response.status_code)
    assert everything() == before
    # The same request with the session's own token goes through: the refusal was the token's.
    if token == "missing":
        session_cookie_before = session_cookie(client)
        response = client.post(url, data=fresh({"csrf_token": csrf_token(client)}))
        assert response.status_code in (302, 303), (url, response.status_code)
        assert everything() != before or endpoint in ("auth.login", "auth.logout", "auth.language")
        if endpoint in ("auth.login", "auth.logout", "auth.language"):
            assert session_cookie(client) != session_cookie_before


def test_logout_without_a_token_keeps_the_session(make_user, login, client):
    login(make_user("staff"))
    assert client.post("/logout").status_code == 400
    assert client.get("/projects/").status_code == 200


def test_login_without_a_token_does_not_log_in(make_user, client):
    user = make_user("agent")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/projects/").status_code == 302


def test_a_post_with_a_json_body_needs_a_token_too(world, login, client):
    login(world.agent)
    before = everything()
    response = client.post(f"/projects/{world.project.id}/events", json={"event": "submit", "comment": ""})
    assert response.status_code == 400
    assert everything() == before


# --- who sees what ------------------------------------------------------------------------------------

SECRET = "Projet-confidentiel"


def sees_page(client, project_id, title) -> bool:
    response = client.get(f"/projects/{project_id}")
    assert response.status_code in (200, 404), response.status_code
    if response.status_code == 404:
        assert title not in response.get_data(as_text=True)
        return False
    return True


def listed_in_pages(client, project, title) -> bool:
    listed = []
    for path in (f"/calls/{project.call_id}", f"/calls/{project.call_id}?state={project.state}", "/projects/",
                 f"/projects/?state={project.state}", "/"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        listed.append(title in page or f'href="/projects/{project.id}"' in page)
    return any(listed)


def sees_api(api_client, project) -> bool:
    response = api_client.get(f"/api/v1/projects/{project.id}")
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        assert response.get_json()["error"] == "not_found"
        assert SECRET not in response.get_data(as_text=True)
    return response.status_code == 200


def listed_in_api(api_client, project) -> bool:
    ids = set()
    for path in (f"/api/v1/calls/{project.call_id}/projects?per_page=100", "/api/v1/projects?per_page=100",
                 f"/api/v1/projects?state={project.state}"):
        response = api_client.get(path)
        assert response.status_code == 200
        ids |= {p["id"] for p in response.get_json()["items"]}
    return project.id in ids


def visibility(user, project, *, login, client, api) -> set[str]:
    """Where `user` sees `project`: any of page, pages-list, api, api-list."""
    project_id = project.id
    login(user)
    api_client = api(user)
    db.session.expire_all()
    project = db.session.get(type(project), project_id)
    found = set()
    if sees_page(client, project_id, SECRET):
        found.add("page")
    if listed_in_pages(client, project, SECRET):
        found.add("pages-list")
    if sees_api(api_client, project):
        found.add("api")
    if listed_in_api(api_client, project):
        found.add("api-list")
    return found


EVERYWHERE = {"page", "pages-list", "api", "api-list"}


@pytest.mark.parametrize("state", ["draft", "submitted", "shortlisted", "rework", "startup", "withdrawn"])
def test_another_agent_never_sees_a_teams_project(state, make_project, make_user, login, client, api):
    project = make_project(state, title=SECRET)
    outsider = make_user("agent")
    assert visibility(outsider, project, login=login, client=client, api=api) == set()
    response = client.get(f"/projects/{project.id}/edit")
    assert response.status_code == 404


def test_the_team_sees_its_draft_everywhere(make_project, login, client, api):
    project = make_project("draft", title=SECRET)
    teammate = project.members[0].user
    assert visibility(teammate, project, login=login, client=client, api=api) == EVERYWHERE


def test_a_teammate_added_later_sees_the_draft_and_the_author_of_another_draft_does_not(
        make_project, make_user, make_call, login, client, api):
    call = make_call()
    mine = make_project("draft", call=call, title=SECRET)
    other = make_project("draft", call=call, title="Autre projet")
    assert visibility(other.members[0].user, mine, login=login, client=client, api=api) == set()


@pytest.mark.parametrize(("state", "visible"), [
    ("draft", False), ("submitted", False), ("withdrawn", False), ("not_retained", False),
    ("shortlisted", True), ("selected", True), ("rework", True), ("rejected", True), ("startup", True),
    ("on_hold", True), ("integrated", True),
])
def test_jury_sees_a_project_once_shortlisted(state, visible, make_project, make_user, login, client, api):
    project = make_project(state, title=SECRET)
    found = visibility(make_user("jury"), project, login=login, client=client, api=api)
    assert found == (EVERYWHERE if visible else set())


def test_coach_sees_only_the_projects_assigned(make_project, make_user, make_call, login, client, api):
    call = make_call()
    coach = make_user("coach")
    assigned = make_project("submitted", call=call, title=SECRET)
    assigned.coaches.append(ProjectCoach(user=coach))
    db.session.commit()
    assert visibility(coach, assigned, login=login, client=client, api=api) == EVERYWHERE
    other = make_project("startup", call=call, title=SECRET)
    # A fresh client: the same titles in the assigned project must not count as seeing this one.
    found = set()
    if sees_page(client, other.id, SECRET):
        found.add("page")
    api_client = api(coach)
    if sees_api(api_client, other):
        found.add("api")
    if listed_in_api(api_client, other):
        found.add("api-list")
    assert found == set()
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert f'href="/projects/{other.id}"' not in page


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_programme_team_and_admin_see_everything(role, make_project, make_user, login, client, api):
    project = make_project("submitted", title=SECRET)
    assert visibility(make_user(role), project, login=login, client=client, api=api) == EVERYWHERE


def test_staff_sees_a_draft_page_but_the_call_lists_submissions_first(make_project, make_user, login, client):
    project = make_project("draft", title=SECRET)
    login(make_user("staff"))
    assert client.get(f"/projects/{project.id}").status_code == 200
    assert SECRET in client.get(f"/calls/{project.call_id}?state=draft").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_login(make_project, client):
    project = make_project("shortlisted", title=SECRET)
    for path in (f"/projects/{project.id}", f"/calls/{project.call_id}", "/projects/", "/calls/"):
        response = client.get(path)
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/login"


# --- logging in ---------------------------------------------------------------------------------------



def login_page(client, **query):
    page = client.get("/login", query_string=query)
    return extract_csrf(page.get_data(as_text=True))


def test_wrong_password_is_refused_with_a_french_message(make_user, client, app):
    user = make_user("agent")
    response = client.post("/login", data={"email": user.email, "password": "wrong password",
                                           "csrf_token": login_page(client)})
    assert response.status_code in (200, 422)
    assert client.get("/projects/").status_code == 302  # not logged in
    page = html.unescape(response.get_data(as_text=True))
    assert 'lang="fr"' in page

    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("fr"):
        message = gettext("Wrong e-mail address or password.")
    assert message.strip()
    assert message in page
    assert message == "Adresse électronique ou mot de passe incorrect."


@pytest.mark.parametrize("email", ["agent@ville.local", "agent@mairie.intra", "a.b@example.test"])
def test_intranet_addresses_can_log_in(email, make_user, client):
    make_user("agent", email=email)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": login_page(client)})
    assert response.status_code == 302
    assert client.get("/projects/").status_code == 200


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(make_user, client):
    user = make_user("agent")
    wrong = client.post("/login", data={"email": user.email, "password": "nope", "csrf_token": login_page(client)})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "nope",
                                          "csrf_token": login_page(client)})
    assert wrong.status_code == unknown.status_code
    wrong_page = wrong.get_data(as_text=True).replace(user.email, "EMAIL")
    unknown_page = unknown.get_data(as_text=True).replace("nobody@example.org", "EMAIL")
    # The pages differ only by their CSRF tokens.
    assert _without_tokens(wrong_page) == _without_tokens(unknown_page)


def _without_tokens(page: str) -> str:
    import re

    return re.sub(r'value="[A-Za-z0-9._-]{40,}"', 'value="TOKEN"', page)


def test_a_deactivated_account_cannot_log_in(make_user, client):
    user = make_user("agent")
    user.is_active_account = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": login_page(client)})
    assert response.status_code != 302
    assert client.get("/projects/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(make_user, client):
    user = make_user("agent")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": login_page(client)})
    assert response.status_code == 302
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers.getlist("Set-Cookie")
    assert all("HttpOnly" in c for c in cookies)
    assert all("SameSite=Lax" in c for c in cookies)


def test_logging_in_starts_a_new_session(make_user, client):
    user = make_user("agent")
    token = login_page(client)
    before = session_cookie(client)
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    with client.session_transaction() as session:
        assert "csrf_token" not in session  # the anonymous session's data is gone
    assert session_cookie(client) != before


@pytest.mark.parametrize("target", [
    "https://evil.example", "http://evil.example/projects/", "//evil.example", "///evil.example",
    "/\\evil.example", "\\\\evil.example", "https:evil.example", "javascript:alert(1)", " //evil.example",
    "/\t/evil.example", "HTTPS://evil.example",
])
def test_login_never_redirects_off_site(target, make_user, client):
    user = make_user("agent")
    token = login_page(client, next=target)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token,
                                           "next": target})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "incubator.test"), response.headers["Location"]
    assert location.scheme in ("", "http", "https")
    assert "evil.example" not in location.netloc
    assert not location.path.startswith("//")


def test_login_returns_to_the_page_asked_for(make_project, client):
    project = make_project("draft")
    response = client.get(f"/projects/{project.id}")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    page = client.get(f"{target.path}?{target.query}")
    token = extract_csrf(page.get_data(as_text=True))
    next_url = parse_qs(target.query)["next"][0]
    response = client.post("/login", data={"email": project.members[0].user.email, "password": PASSWORD,
                                           "csrf_token": token, "next": next_url})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/projects/{project.id}"


def test_language_switch_never_redirects_off_site(client):
    token = login_page(client)
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example", "csrf_token": token})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).netloc in ("", "incubator.test")
