"""In a real browser (Debian's chromium through Playwright), against a server the test starts.

The whole Pau journey on the demo data, through the pages only: an agent proposes and submits on
the open call, the programme team shortlists it and schedules a pitch session, the jury scores
and selects it, the programme team starts the pre-incubation and assigns a coach, the coach logs
a week; the review falls due (the app's own timer processing), the programme team opens the
notification, reads the evidence and graduates the project to startup mode.

Then every page type of the app passes the audit (browser_support.Audit): no serious or critical
axe-core violation (WCAG 2.1 A/AA), no console error, no Content-Security-Policy violation, no
sideways scrolling at 375 px. Screenshots and the audit report land in test-artifacts/browser/.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from incubator.clock import utcnow
from incubator.extensions import db
from incubator.models import Call, Project
from incubator.notifications.models import Notification
from tests.browser_pages import PAGES, catalogue
from tests.browser_support import (
    CHROMIUM,
    Audit,
    Finding,
    chromium_available,
    launch,
    login,
    logout,
    new_page,
    save_report,
    serve,
    shot,
)

needs_chromium = pytest.mark.skipif(not chromium_available(),
                                    reason="chromium is not installed (.ci/run installs it)")

TEMPLATES = Path(__file__).resolve().parent.parent / "incubator" / "templates"
# Templates that are never a page of their own: layouts and macros (partials start with `_`).
NOT_PAGES = {"base.html", "incubation/ledger_layout.html", "incubation/ledger_macros.html",
             "incubation/evidence_macros.html"}

TITLE = "Navette pour les rendez-vous médicaux"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free port, on the test database, with the demo data."""
    from incubator.demo import load_demo

    load_demo()
    with serve(app.config["SQLALCHEMY_DATABASE_URI"]) as base:
        yield base


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


def step(page, audit: Audit, name: str) -> None:
    """A screenshot of the journey's step, and the audit of its page."""
    shot(page, f"journey-{len(audit.checked) + 1:02d}-{name}")
    audit.check(page, f"journey: {name}")


# --- the browser is Debian's ----------------------------------------------------------------------

@needs_chromium
def test_the_browser_is_debians_chromium(browser):
    """No browser downloaded by Playwright: the one `.ci/run` installs, at its path."""
    assert not Path(CHROMIUM).resolve().is_relative_to(Path.home() / ".cache")
    installed = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"\b{re.escape(browser.version)}\b", installed), (browser.version, installed)


@needs_chromium
def test_the_audit_finds_what_it_looks_for(browser):
    """A page with a picture without text, an inline style and script its policy refuses, and a line
    wider than a phone: the audit reports each (so that a clean report means something)."""
    bad = f"""<!doctype html><html lang="fr"><head><title>Mauvaise page</title></head><body><main>
      <h1>Mauvaise page</h1><img src="/picture.png"><div style="color: red">Style en ligne</div>
      <pre>{"trop large " * 20}</pre><script>console.log("inline")</script></main></body></html>"""
    page = new_page(browser)
    page.route("http://audit.test/**", lambda route: route.fulfill(
        status=200 if route.request.url == "http://audit.test/" else 404, body=bad, content_type="text/html",
        headers={"Content-Security-Policy": "default-src 'self'; style-src 'self'; script-src 'self'"}))
    try:
        page.goto("http://audit.test/")
        audit = Audit()
        audit.check(page, "bad page")
    finally:
        page.unroute_all(behavior="ignoreErrors")  # nothing left answering once the page is gone
        page.context.close()
    kinds = {f.kind for f in audit.findings}
    assert kinds == {"axe", "csp", "console", "reflow"}, audit.report()
    assert any(f.text.startswith("image-alt (critical)") for f in audit.findings), audit.report()


def test_the_audit_covers_every_page_template():
    """A new page template needs its entry in tests/browser_pages.py (or in NOT_PAGES here)."""
    templates = sorted(str(t.relative_to(TEMPLATES)) for t in TEMPLATES.rglob("*.html")
                       if not t.name.startswith("_") and str(t.relative_to(TEMPLATES)) not in NOT_PAGES)
    missing = [t for t in templates if not any(fnmatch.fnmatch(t, page.template) for page in PAGES)]
    assert not missing, f"page templates no browser audit visits: {missing}"


# --- the Pau journey ------------------------------------------------------------------------------

@needs_chromium
def test_pau_journey_in_chromium(live_server, page, app):
    base = live_server
    audit = Audit()
    open_call = db.session.scalar(select(Call).where(Call.workflow == "pau", Call.opens_at <= utcnow(),
                                                     Call.closes_at > utcnow()).order_by(Call.id))
    call_title, call_id = open_call.title, open_call.id
    db.session.rollback()

    # An agent proposes a project on the open call and submits it.
    page.goto(base + "/")
    step(page, audit, "landing")
    login(page, base, "agent")
    page.get_by_role("link", name=call_title).first.click()
    page.get_by_role("link", name="Proposer un projet").first.click()
    page.fill("#title", TITLE)
    page.fill("#problem", "Les personnes âgées isolées **renoncent** à leurs rendez-vous.")
    page.fill("#proposal", "Un service de navette réservable par téléphone.")
    page.fill("#q_0", "Les seniors isolés des quartiers nord")
    step(page, audit, "agent-proposal-form")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.wait_for_url("**/projects/*")
    project_url = page.url
    project_id = int(project_url.rstrip("/").rsplit("/", 1)[1])
    # A required answer is missing: the submit action is shown as blocked, with the reason.
    assert page.locator(".action__blocked").count() >= 1
    step(page, audit, "agent-draft-blocked")
    page.get_by_role("link", name="Modifier la candidature").first.click()
    page.fill("#q_1", "Chaque semaine")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    page.wait_for_url(project_url)
    action(page, "submit").get_by_role("button").click()
    page.wait_for_url(project_url)
    assert "Candidature déposée" in page.inner_text(".page-header")
    step(page, audit, "agent-submitted")
    logout(page)

    # The programme team shortlists it, then schedules a pitch session with a jury chair.
    login(page, base, "staff")
    page.goto(project_url)
    shortlist = action(page, "shortlist")
    shortlist.locator("textarea").fill("Un vrai problème de terrain, bien documenté.")
    shortlist.get_by_role("button").click()
    page.wait_for_url(project_url)
    assert "Présélectionné" in page.inner_text(".page-header")
    step(page, audit, "staff-shortlisted")

    page.goto(f"{base}/calls/{call_id}")
    page.get_by_role("link", name="Programmer une séance de pitch").click()
    page.fill("#title", "Jury de sélection du troisième appel")
    pitch_day = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT14:00")
    page.fill("#starts_at", pitch_day)
    page.fill("#place", "Salle du conseil")
    assert page.get_by_label(TITLE).is_checked()  # the shortlisted project pitches
    step(page, audit, "staff-session-form")
    page.get_by_role("button", name="Programmer la séance").click()
    page.wait_for_url(re.compile(r".*/jury/\d+$"))
    session_url = page.url
    choose(page, "#user", "Isabelle Rousseau")
    page.check("#chair")
    page.get_by_role("button", name="Nommer", exact=True).click()
    page.wait_for_url(session_url + "#jury")
    assert "Isabelle Rousseau" in page.inner_text("#jury")
    step(page, audit, "staff-session-with-jury")
    logout(page)

    # The jury scores the project on the call's criteria, then its chair decides: select.
    login(page, base, "jury")
    page.goto(session_url)
    page.locator("#my-scores").get_by_role("link", name=re.compile("Noter")).click()
    page.wait_for_url(re.compile(r".*/score$"))
    criteria = page.locator("fieldset.criterion")
    assert criteria.count() >= 3
    for i in range(criteria.count()):
        criteria.nth(i).get_by_label(str(4 if i else 5), exact=True).check()
    page.fill("#comment", "Un besoin réel, une solution sobre.")
    step(page, audit, "jury-score-sheet")
    page.get_by_role("button", name="Remettre ma fiche").click()
    page.wait_for_url(re.compile(r".*/score$"))
    assert page.locator(".notice--success").count() >= 1  # the flash, and the sheet marked submitted

    page.goto(session_url + "/deliberation")
    decision = page.locator(f"#project-{project_id}")
    decision.get_by_label("Sélectionner", exact=True).check()
    decision.get_by_role("button", name="Enregistrer la décision").click()  # no rationale: refused
    assert page.locator(".error-summary").count() == 1
    assert "Présélectionné" in page.locator(f"#project-{project_id}").inner_text()
    step(page, audit, "jury-decision-refused")
    decision = page.locator(f"#project-{project_id}")
    decision.get_by_label("Sélectionner", exact=True).check()
    decision.get_by_role("textbox", name=re.compile("Motivation")).fill("Retenu à l'unanimité.")
    decision.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_url(re.compile(rf".*/deliberation#project-{project_id}$"))
    assert "Sélectionné par le jury" in page.locator(f"#project-{project_id}").inner_text()
    page.locator("#close summary").click()
    page.get_by_role("button", name="Confirmer : clore la délibération").click()
    page.wait_for_url(re.compile(r".*/deliberation$"))
    assert page.locator("#close").count() == 0  # closed: nothing left to close
    step(page, audit, "jury-deliberation-closed")
    page.goto(project_url)
    assert "Sélectionné par le jury" in page.inner_text(".page-header")
    logout(page)

    # The programme team starts the pre-incubation and assigns a coach.
    login(page, base, "staff")
    page.goto(project_url)
    action(page, "start").get_by_role("button").click()
    page.wait_for_url(project_url)
    assert "Pré-incubation" in page.inner_text(".page-header")
    choose(page, "#coach", "Julien Moreau")
    page.get_by_role("button", name="Affecter", exact=True).click()
    page.wait_for_url(project_url + "#coaches")
    assert "Julien Moreau" in page.inner_text("#coaches")
    step(page, audit, "staff-pre-incubation-coach")
    logout(page)

    # The coach writes this week's log.
    login(page, base, "coach")
    page.goto(project_url + "/journal")
    page.get_by_role("link", name="Rédiger le journal de cette semaine").click()
    page.fill("#done", "Trois entretiens avec des seniors du quartier nord.")
    page.fill("#learnt", "Le téléphone reste le canal préféré.")
    page.fill("#days_spent", "1,5")
    page.locator("fieldset.confidence").get_by_label(re.compile(r"^4")).check()
    step(page, audit, "coach-log-form")
    page.get_by_role("button", name="Enregistrer le journal").click()
    page.wait_for_url(re.compile(r".*/journal(\?.*)?$"))
    assert "Trois entretiens" in page.inner_text("main")
    step(page, audit, "coach-journal")
    logout(page)

    # The review falls due: the app's timer processing runs at the due instant and sends the
    # reminder. Three days later (the clock of this process, the server's thread included, moves
    # there) the programme team finds the review overdue, with the weekly logs that are missing.
    import time_machine

    from incubator.notifications.timers import tick

    db.session.expire_all()
    due = db.session.get(Project, project_id).review_due_at
    assert due is not None and due > utcnow()
    report = tick(at=due)
    assert report.errors == 0, report.outcomes
    assert any(o.startswith(f"review_due:{project_id}:") for o in report.outcomes), report.outcomes
    db.session.commit()
    with time_machine.travel(due + timedelta(days=3), tick=True):
        # The programme team opens the notification, reads the evidence and graduates the project.
        login(page, base, "staff")
        page.goto(base + "/notifications")
        step(page, audit, "staff-inbox")
        page.get_by_role("button", name=f"Revue de phase à échéance pour « {TITLE} »").click()
        page.wait_for_url(re.compile(rf".*/projects/{project_id}/review$"))
        assert "En retard de" in page.inner_text("main")  # overdue, in words
        logs = page.locator("section[aria-labelledby=sum-logs]").inner_text()
        assert "Rédigés : 1 sur" in logs and "semaines manquantes" in logs  # the coach's log, and the weeks without one
        step(page, audit, "staff-review")
        page.check("#decision-graduate")
        page.fill("#comment", "Les premiers usagers sont convaincus : on passe en mode startup.")
        page.get_by_role("button", name="Enregistrer la décision").click()
        page.wait_for_url(re.compile(rf".*/projects/{project_id}/review#decide$"))  # the redirect keeps the anchor
        assert page.locator(".error-summary").count() == 0
        step(page, audit, "staff-review-decided")
        page.goto(project_url)
        assert "Mode startup" in page.inner_text(".page-header")
        latest = page.locator("#history .timeline__item").first
        assert "Passer en mode startup" in latest.inner_text()
        assert "on passe en mode startup" in latest.inner_text()
        step(page, audit, "staff-project-startup")

    db.session.expire_all()
    project = db.session.get(Project, project_id)
    assert project.state == "startup"
    assert [h.event for h in project.history] == ["create", "submit", "shortlist", "select", "start", "graduate"]
    assert db.session.scalar(select(Notification.read_at).join(Notification.user).where(
        Notification.kind == "review_due", Notification.project_id == project_id,
        Notification.user.has(email="staff@demo.incubateur.fr"))) is not None  # opened
    db.session.rollback()
    save_report("journey-audit.txt", audit.report())
    assert not audit.findings, audit.report()


def choose(page, select: str, text: str) -> None:
    """Pick the option of a <select> whose text starts with `text` (a name, then maybe a title)."""
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    page.select_option(select, value=value)


def action(page, event: str):
    """The project page's form for one workflow event."""
    return page.locator("form.action", has=page.locator(f"input[name=event][value={event}]"))


# --- every page type ------------------------------------------------------------------------------

@needs_chromium
def test_every_page_type_passes_the_audit(live_server, browser, app):
    base = live_server
    pages = catalogue()
    audit = Audit()
    roles = list(dict.fromkeys(entry.role for entry in pages))
    for role in roles:
        page = new_page(browser)
        try:
            if role != "anonymous":
                login(page, base, role)
            for entry in (e for e in pages if e.role == role):
                url = base + entry.path
                response = page.goto(url)
                if response.status != entry.status:
                    audit.findings.append(Finding(entry.name, "status", f"{entry.path} answered {response.status}, "
                                                                        f"expected {entry.status}"))
                    page.problems.clear()
                    continue
                found = len(audit.findings)
                audit.check(page, entry.name)
                if len(audit.findings) > found:  # a picture of what went wrong, beside the report
                    shot(page, "page-" + re.sub(r"[^a-z0-9]+", "-", entry.name.lower()).strip("-"))
        finally:
            page.context.close()
    report = audit.report()
    save_report("pages-audit.txt", report)
    print(report)
    assert not audit.findings, report
