"""The learnings search: the index follows every change, matching with and without accents, filters,
permissions (not a word of a hidden project, not even in a count), safe highlighting, hostile queries,
pagination in a fixed number of queries, the reindex command and the migration's backfill."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from incubator.extensions import db
from incubator.incubation import operations as ops
from incubator.incubation.models import Iteration, WeeklyLog, week_start
from incubator.incubation.periods import paris_date
from incubator.models import Project
from incubator.projects.operations import update_project
from incubator.search.index import reindex
from incubator.search.models import SearchDocument
from incubator.search.queries import Filters, QueryError, fts5_expression, parse_query, search
from incubator.search.text import highlighted, plain_text
from incubator.workflows import fire
from tests.incubation_helpers import incubate

# Raw HTML in Markdown is dropped (as on the project page); in a code span it is text, shown as such.
HOSTILE = "Le `<script>alert('vélo')</script>` **vélo** partagé <img src=x onerror=alert(1)>"


def on_postgresql(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def documents() -> set[tuple]:
    return set(db.session.execute(select(
        SearchDocument.kind, SearchDocument.ref_id, SearchDocument.project_id, SearchDocument.title,
        SearchDocument.body)).all())


def found(user, text: str, **filters) -> list[tuple[str, int]]:
    results = search(user, parse_query(text), Filters(**filters), per_page=100)
    return [(hit.kind, hit.ref_id) for hit in results.hits]


def recent_monday(weeks_ago: int = 1) -> datetime:
    today = paris_date(datetime.now(UTC))
    monday = week_start(today) - timedelta(weeks=weeks_ago)
    return datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=UTC)


@pytest.fixture
def incubating(make_project, make_user):
    """A project in pre-incubation since a few weeks, with its coach and a staff member."""
    return incubate(make_project, make_user, at=recent_monday(6), title="Composteurs partagés")


def iteration(inc, **fields):
    values = {"title": "Premier test", "hypothesis": "Les habitants compostent", "started_on":
              recent_monday(5).date().isoformat()}
    values.update(fields)
    it = ops.save_iteration(inc.project, inc.coach, **values)
    db.session.commit()
    return it


# --- what is typed ---------------------------------------------------------------------------

@pytest.mark.parametrize("typed, words, phrases", [
    ("vélo partagé", ("vélo", "partagé"), ()),
    ('"précarité énergétique" ménages', ("ménages",), (("précarité", "énergétique"),)),
    ("«précarité énergétique»", (), (("précarité", "énergétique"),)),
    ("vélo AND NOT trottinette*", ("vélo", "and", "not", "trottinette"), ()),
    ("-vélo +bus (tram) NEAR(a b) col:umn ^start", ("vélo", "bus", "tram", "near", "col", "umn", "start"), ()),
    ('"unbalanced quote vélo', ("unbalanced", "quote", "vélo"), ()),
    ("la précarité de l'énergie", ("précarité", "énergie"), ()),
    ("Vélo vélo VÉLO", ("vélo",), ()),
    ("e\u0301nergie", ("énergie",), ()),  # a decomposed accent is composed first
])
def test_what_is_typed_becomes_plain_words_and_phrases(typed, words, phrases):
    query = parse_query(typed)
    assert query.words == words
    assert query.phrases == phrases


def test_the_fts5_expression_quotes_every_word():
    expression = fts5_expression(parse_query('vélos AND "mise en oeuvre" -x* NEAR'))
    assert expression == '"vélo"* "and"* "near"* "mise oeuvre"'  # a common word leaves the phrase
    assert '"' not in "".join(parse_query('ab"cd"ef gh"ij').words)


@pytest.mark.parametrize("typed", ["...", "*", "-", '""', "()", "« »", "&&||!", "\x02\x03"])
def test_punctuation_alone_is_refused_with_a_message(typed):
    with pytest.raises(QueryError, match="punctuation"):
        parse_query(typed)


def test_common_words_alone_are_refused_with_a_message():
    with pytest.raises(QueryError, match="too common"):
        parse_query("de la")


def test_a_too_long_search_is_refused_with_a_message():
    with pytest.raises(QueryError, match="too long"):
        parse_query("vélo " * 50)


def test_too_many_words_are_refused():
    with pytest.raises(QueryError, match="too many words"):
        parse_query(" ".join(f"mot{i}" for i in range(30)))


def test_plain_text_strips_markdown_and_html():
    assert plain_text("# Titre\n\nLe **vélo** [partagé](http://x) <b>ok</b> &amp; \x02x\x03") == \
        "Titre\nLe vélo partagé ok & x"


def test_highlighting_escapes_the_text_and_marks_only_the_markers():
    html = str(highlighted("<script>alert(1)</script> \x02vélo\x03 <b>\x02x"))
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>vélo</mark> &lt;b&gt;<mark>x</mark>"


# --- matching --------------------------------------------------------------------------------

def test_accents_and_capitals_do_not_matter(app, make_project, make_user):
    staff = make_user("staff")
    project = make_project("submitted", title="Chaleur", problem="La précarité énergétique des ménages.")
    doc = ("project", project.id)
    for typed in ("precarite energetique", "PRÉCARITÉ", "Énergétique ménages", "menages", "énergétiques"):
        assert found(staff, typed) == [doc], typed
    assert found(staff, "precarite velo") == []  # every word must be there


def test_a_phrase_keeps_its_word_order(app, make_project, make_user):
    staff = make_user("staff")
    project = make_project("submitted", problem="La précarité énergétique des ménages.")
    assert found(staff, '"precarite energetique"') == [("project", project.id)]
    assert found(staff, '"énergétique précarité"') == []


def test_a_phrase_skips_its_common_words_on_both_databases(app, make_project, make_user):
    staff = make_user("staff")
    project = make_project("submitted", problem="Installer un composteur partagé dans la cour.")
    assert found(staff, '"le composteur partagé"') == [("project", project.id)]
    assert found(staff, '"partagé le composteur"') == []


def test_a_word_also_finds_its_plural_and_longer_forms(app, make_project, make_user):
    staff = make_user("staff")
    project = make_project("submitted", problem="Des composteurs dans les crèches.")
    for typed in ("composteur", "composteurs", "crèche", "COMPOST"):
        assert found(staff, typed) == [("project", project.id)], typed


def test_postgresql_stems_french_words(app, make_project, make_user):
    if not on_postgresql(app):
        pytest.skip("SQLite has no French stemmer (only plurals and prefixes)")
    staff = make_user("staff")
    project = make_project("submitted", problem="La mobilisation des habitants.")
    assert found(staff, "mobiliser") == [("project", project.id)]


def test_a_title_match_ranks_first(app, make_project, make_user):
    staff = make_user("staff")
    body = make_project("submitted", title="Autre chose", problem="Un mot sur le compostage, en passant.")
    title = make_project("submitted", title="Compostage collectif", problem="Rien d'autre.")
    assert found(staff, "compostage") == [("project", title.id), ("project", body.id)]


# --- the index follows the data ----------------------------------------------------------------

def test_every_kind_is_indexed_and_follows_edits_and_deletes(app, incubating, make_user):
    inc, staff = incubating, incubating.staff
    project = inc.project
    assert found(staff, "composteurs") == [("project", project.id)]

    project.title, project.problem = "Lombricomposteurs", "Les vers de terre."
    db.session.commit()
    assert found(staff, "composteurs") == []
    assert found(staff, "lombricomposteur vers") == [("project", project.id)]

    it = iteration(inc, learning="Les habitants veulent un **bac** fermé")
    assert found(staff, "bac ferme") == [("iteration", it.id)]
    ops.save_iteration(project, inc.coach, it, title="Premier test", hypothesis="Les habitants compostent",
                       started_on=it.started_on, learning="Un seau suffit")
    db.session.commit()
    assert found(staff, "bac") == []
    assert found(staff, "seau") == [("iteration", it.id)]

    log = ops.save_log(project, inc.coach, recent_monday(2).date(), done="Atelier lombricompost",
                       learnt="Les enfants adorent", confidence=4, days_spent="1")
    db.session.commit()
    assert found(staff, "enfants") == [("log", log.id)]

    validation = ops.add_validation(project, inc.coach, method="interviews", users_count=9,
                                    held_on=recent_monday(2).date(), verdict="validated",
                                    notes="Neuf foyers volontaires")
    db.session.commit()
    assert found(staff, "foyers") == [("validation", validation.id)]

    event = fire(project, "pause", inc.staff, "Attente du **budget** participatif")
    db.session.commit()
    assert found(staff, "budget participatif") == [("decision", event.id)]

    db.session.delete(db.session.get(Iteration, it.id))
    db.session.commit()
    assert found(staff, "seau") == []
    assert ("iteration", it.id) not in {(d[0], d[1]) for d in documents()}

    # What the listener wrote is what a full rebuild writes.
    before = documents()
    assert {d[0] for d in before} == {"project", "log", "validation", "decision"}
    reindex(db.session)
    db.session.commit()
    assert documents() == before

    project_id = project.id
    db.session.delete(db.session.get(Project, project_id))
    db.session.commit()
    assert not [d for d in documents() if d[2] == project_id]
    assert found(staff, "enfants") == []


def test_the_team_editing_its_draft_rewrites_its_document(app, make_project, make_user):
    agent = make_user("agent")
    project = make_project("draft", team=[agent], problem="Des bancs publics.", answers={"affected": "Les aînés"})
    assert found(agent, "aines bancs") == [("project", project.id)]
    update_project(project, agent, title="Bancs", problem="Des chaises.", proposal="", service="Voirie",
                   answers={"affected": "Les promeneurs"})
    db.session.commit()
    assert found(agent, "bancs") == [("project", project.id)]  # the title
    assert found(agent, "aines") == [] and found(agent, "publics") == []
    assert found(agent, "promeneurs chaises voirie") == [("project", project.id)]


def test_a_rolled_back_change_leaves_no_document(app, incubating):
    ops.save_log(incubating.project, incubating.coach, recent_monday(1).date(), done="Texte oublié",
                 confidence=3, days_spent="1")
    db.session.rollback()
    assert found(incubating.staff, "oublié") == []
    assert db.session.scalar(select(WeeklyLog.id)) is None


def test_events_without_a_comment_make_no_document(app, make_project, make_user):
    project = make_project("shortlisted")
    kinds = {d[0] for d in documents() if d[2] == project.id}
    assert kinds == {"project"}


def test_the_reindex_command_rebuilds_everything(app, incubating):
    iteration(incubating, learning="Le compost attire des mouches")
    expected = documents()
    db.session.execute(SearchDocument.__table__.delete())
    db.session.commit()
    assert found(incubating.staff, "mouches") == []
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 iteration" in result.output
    db.session.expire_all()
    assert documents() == expected
    assert len(found(incubating.staff, "mouches")) == 1


def test_a_rebuild_keeps_the_date_a_text_last_changed(app, make_project, make_user):
    project = make_project("submitted", problem="Des bancs pour les arrêts de bus.")
    dated = db.session.scalar(select(SearchDocument.updated_at).where(
        SearchDocument.kind == "project", SearchDocument.ref_id == project.id))
    project.updated_at = dated + timedelta(days=30)  # a later change that is not a text (a decision...)
    db.session.commit()
    reindex(db.session)
    db.session.commit()
    assert db.session.scalar(select(SearchDocument.updated_at).where(
        SearchDocument.kind == "project", SearchDocument.ref_id == project.id)) == dated


# --- who sees what -----------------------------------------------------------------------------

@pytest.fixture
def secrets(make_project, make_user):
    """A submitted project (its team, staff and admin see it) and an incubated one with a coach (the
    jury sees it too); both say "zanzibar" in every kind of text."""
    submitted_agent = make_user("agent")
    submitted = make_project("submitted", team=[submitted_agent], title="Zanzibar déposé",
                             problem="Le secret zanzibar du projet déposé.")
    inc = incubate(make_project, make_user, at=recent_monday(6), title="Zanzibar incubé")
    iteration(inc, learning="Un apprentissage zanzibar")
    ops.save_log(inc.project, inc.coach, recent_monday(2).date(), done="Semaine zanzibar", confidence=3,
                 days_spent="1")
    db.session.commit()
    return {"submitted": submitted, "submitted_agent": submitted_agent, "incubated": inc}


@pytest.mark.parametrize("who, sees", [
    ("submitted_team", {"submitted"}),
    ("incubated_team", {"incubated"}),
    ("incubated_coach", {"incubated"}),
    ("other_agent", set()),
    ("other_coach", set()),
    ("jury", {"incubated"}),
    ("staff", {"submitted", "incubated"}),
    ("admin", {"submitted", "incubated"}),
])
def test_results_come_only_from_projects_the_user_may_see(app, client, login, make_user, secrets, who, sees):
    inc = secrets["incubated"]
    user = {
        "submitted_team": secrets["submitted_agent"], "incubated_team": inc.team[0],
        "incubated_coach": inc.coach, "other_agent": make_user("agent"), "other_coach": make_user("coach"),
        "jury": make_user("jury"), "staff": make_user("staff"), "admin": make_user("admin"),
    }[who]
    ids = {"submitted": secrets["submitted"].id, "incubated": inc.project.id}
    expected = {ids[name] for name in sees}
    per_project = {"submitted": 1, "incubated": 3}  # the project; its iteration and its log
    results = search(user, parse_query("zanzibar"), Filters())
    assert {hit.project_id for hit in results.hits} == expected
    assert results.total == sum(per_project[name] for name in sees)
    browsing = search(user, None, Filters())
    assert {hit.project_id for hit in browsing.hits} <= expected

    login(user)
    for params in ({"q": "zanzibar"}, {}, {"q": "secret"}, {"q": "apprentissage"}, {"q": "semaine"}):
        page = client.get("/search/", query_string=params)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        for name, project_id in ids.items():
            if name not in sees:  # not a link, not a title, not an excerpt
                assert not re.search(rf"/projects/{project_id}(?!\d)", html), (name, params)
        if "submitted" not in sees:
            assert "Zanzibar déposé" not in html and "secret zanzibar" not in html.lower()
        if "incubated" not in sees:
            assert "Zanzibar incubé" not in html and "apprentissage zanzibar" not in html.lower()
            assert "semaine zanzibar" not in html.lower()
    summary = client.get("/search/?q=zanzibar").get_data(as_text=True)
    assert re.search(rf"\b{results.total} (results?|résultats?)\b", summary)


# --- the page ----------------------------------------------------------------------------------

def test_the_page_marks_matches_and_escapes_hostile_text(app, client, login, make_project, make_user):
    staff = make_user("staff")
    make_project("submitted", title="<b>Vélo</b> & co", problem=HOSTILE)
    login(staff)
    html = client.get("/search/?q=velo").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;" in html
    assert "&lt;/script&gt; <mark>vélo</mark> partagé" in html  # the Markdown's ** are gone
    assert "&lt;b&gt;<mark>Vélo</mark>&lt;/b&gt; &amp; co" in html
    assert "\x02" not in html and "\x03" not in html
    browsing = client.get("/search/").get_data(as_text=True)  # excerpts without a query: escaped too
    assert "<script>alert" not in browsing and "&lt;b&gt;Vélo&lt;/b&gt;" in browsing


@pytest.mark.parametrize("typed, finds", [
    ('"', False), ('"vélo', True), ("vélo AND", False), ("OR", False), ("NOT vélo", False), ("vélo*", True),
    ("*vélo", True), ("-vélo", True), ("vélo NEAR(", False), ("(vélo", True), ("vélo)", True),
    ("col:vélo", False), ("^vélo", True), ("vélo + bus", False), ("'; DROP TABLE projects; --", False),
    ("\\", False), ("%", False), ("_", False), ("vélo\x00", True), ("vél_o", True),
    ("étaient", False),  # a French stop word: PostgreSQL drops it, leaving an empty query
])
def test_query_syntax_never_breaks_the_page(app, client, login, make_project, make_user, typed, finds):
    make_project("submitted", problem="Le vélo partagé.")
    login(make_user("staff"))
    response = client.get("/search/", query_string={"q": typed})
    assert response.status_code in (200, 422), response.status_code
    assert ("<mark>vélo</mark>" in response.get_data(as_text=True)) is finds


def test_the_query_is_echoed_escaped(app, client, login, make_project, make_user):
    make_project("submitted", problem="Le vélo partagé.")
    login(make_user("staff"))
    for typed in ('<img src=x onerror=alert(1)> vélo', '"><script>alert(1)</script>', "x" * 250 + "<b>"):
        html = client.get("/search/", query_string={"q": typed}).get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert" not in html and "<b>" not in html, typed


def test_bad_input_gets_a_clear_message(app, client, login, make_user):
    login(make_user("staff"))
    long = client.get("/search/", query_string={"q": "x" * 201})
    assert long.status_code == 422
    assert "too long" in long.get_data(as_text=True) or "trop longue" in long.get_data(as_text=True)
    assert 'aria-invalid="true"' in long.get_data(as_text=True)
    dots = client.get("/search/", query_string={"q": "?!..."})
    assert dots.status_code == 422
    assert "error-summary" in dots.get_data(as_text=True)


def test_an_empty_search_shows_the_most_recent_entries(app, client, login, incubating):
    iteration(incubating, title="Atelier récent")
    login(incubating.staff)
    html = client.get("/search/").get_data(as_text=True)
    assert 'role="search"' in html and 'for="q"' in html and 'role="status"' in html
    assert "Atelier récent" in html
    assert "<mark>" not in html


def test_results_link_to_their_page(app, client, login, incubating):
    inc = incubating
    it = iteration(inc, learning="Les lombrics travaillent")
    log = ops.save_log(inc.project, inc.coach, recent_monday(2).date(), done="Les lombrics mangent",
                       confidence=4, days_spent="1")
    validation = ops.add_validation(inc.project, inc.coach, method="pilot", users_count=3,
                                    held_on=recent_monday(2).date(), verdict="mixed", notes="Lombrics lents")
    event = fire(inc.project, "pause", inc.staff, "Lombrics en hiver")
    db.session.commit()
    login(inc.staff)
    html = client.get("/search/?q=lombrics").get_data(as_text=True)
    pid = inc.project.id
    assert f'href="/projects/{pid}/iterations#iteration-{it.number}"' in html
    assert f'href="/projects/{pid}/journal?week={log.week}#week-{log.week}"' in html
    assert f'href="/projects/{pid}/validations#validation-{validation.id}"' in html
    assert f'href="/projects/{pid}#history"' in html and event.id
    for path in (f"/projects/{pid}/iterations", f"/projects/{pid}/journal?week={log.week}",
                 f"/projects/{pid}/validations", f"/projects/{pid}"):
        assert client.get(path).status_code == 200, path


def test_filters_narrow_the_results(app, client, login, make_project, make_user, make_call):
    staff = make_user("staff")
    call_a, call_b = make_call(title="Appel A"), make_call(title="Appel B")
    a = make_project("submitted", call=call_a, problem="Le tri des biodéchets.")
    b = make_project("shortlisted", call=call_b, problem="Le tri sélectif.")
    db.session.get(Project, b.id).theme = "environment"
    db.session.commit()
    assert {p for _k, p in found(staff, "tri")} == {a.id, b.id}
    assert found(staff, "tri", state="submitted") == [("project", a.id)]
    assert found(staff, "tri", call_id=call_b.id) == [("project", b.id)]
    assert found(staff, "tri", theme="environment") == [("project", b.id)]
    assert found(staff, "tri", kind="iteration") == []
    counts = search(staff, parse_query("tri"), Filters(kind="iteration")).by_kind
    assert counts == {"project": 2}  # the kind chips count the other kinds

    login(staff)
    html = client.get("/search/", query_string={"q": "tri", "call": call_b.id, "state": "nonsense",
                                                "theme": "nope", "kind": "x"}).get_data(as_text=True)
    assert "biodéchets" not in html and "sélectif" in html


def test_pages_take_the_same_queries_for_3_or_30_results(app, client, login, incubating, count_queries):
    inc = incubating
    for n in range(3):
        iteration(inc, title=f"Essai {n}", learning="Le compostage en pied d'immeuble")
    login(inc.staff)
    client.get("/search/?q=compostage")

    def measured(path):
        with count_queries() as counter:
            response = client.get(path)
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    small, html = measured("/search/?q=compostage")
    assert "3 results" in html or "3 résultats" in html
    browse_small, _html = measured("/search/")
    for n in range(3, 30):
        iteration(inc, title=f"Essai {n}", learning="Le compostage en pied d'immeuble")
    large, html = measured("/search/?q=compostage")
    assert "30 results" in html or "30 résultats" in html
    assert html.count('class="search-result ') == 20
    assert large == small
    assert measured("/search/")[0] == browse_small
    second, html = measured("/search/?q=compostage&page=2")
    assert html.count('class="search-result ') == 10 and second == small
    assert 'start="21"' in html
    beyond = client.get("/search/?q=compostage&page=99").get_data(as_text=True)
    assert beyond.count('class="search-result ') == 10  # the last page


def test_the_search_needs_a_login(app, client):
    response = client.get("/search/?q=x")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the migration fills the index from existing rows ----------------------------------------------

def test_the_migration_indexes_the_rows_already_there(app, tmp_path):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import create_engine, insert
    from sqlalchemy.engine import make_url

    from incubator import create_app
    from incubator.models import Call, Programme, ProjectEvent

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        name = "incubator_search_backfill"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        target = url.set(database=name).render_as_string(hide_password=False)
    else:
        target = "sqlite:///" + str(tmp_path / "backfill.sqlite")

    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": target})
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with other.app_context():
        upgrade(revision="0000974fb92a")
        with db.engine.begin() as conn:  # Core inserts: no flush, so no listener (the table is not there yet)
            programme = conn.execute(insert(Programme.__table__).values(name="P")).inserted_primary_key[0]
            call = conn.execute(insert(Call.__table__).values(
                programme_id=programme, title="Appel", opens_at=now, closes_at=now + timedelta(days=9),
                workflow="pau", questionnaire=[])).inserted_primary_key[0]
            project = conn.execute(insert(Project.__table__).values(
                call_id=call, title="Vélos partagés", problem="Les **vélos** rouillent", state="pre_incubation",
                answers={"affected": "Les cyclistes"}, updated_at=now)).inserted_primary_key[0]
            conn.execute(insert(Iteration.__table__).values(
                project_id=project, number=1, title="Atelier", hypothesis="Réparer ensemble",
                learning="Les habitants réparent", started_on=now.date(), updated_at=now))
            conn.execute(insert(WeeklyLog.__table__).values(
                project_id=project, week_start=now.date(), done="Trois ateliers", confidence=3, updated_at=now))
            conn.execute(insert(ProjectEvent.__table__).values(
                project_id=project, event="start", to_state="pre_incubation", at=now, comment="Jury **unanime**"))
            conn.execute(insert(ProjectEvent.__table__).values(
                project_id=project, event="create", to_state="draft", at=now, comment=""))
        upgrade()
        backfilled = documents()
        assert {(d[0], d[3]) for d in backfilled} == {("project", "Vélos partagés"), ("iteration", "Atelier"),
                                                      ("log", ""), ("decision", "")}
        assert {d[4] for d in backfilled} >= {"Jury unanime", "Les vélos rouillent\n\nLes cyclistes"}
        reindex(db.session)
        db.session.commit()
        assert documents() == backfilled
        staff_like = type("Staff", (), {"has_role": lambda self, *roles: True})()
        assert [k for k, _id in found(staff_like, "cyclistes rouillent")] == ["project"]
        db.session.remove()
        downgrade(revision="0000974fb92a")
        db.engine.dispose()
