"""Workflow pictures: the SVG itself, the /workflows pages per role, and the project's position."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask import render_template_string

from incubator.extensions import db
from incubator.models import Project
from incubator.workflows import all_definitions, get_definition
from incubator.workflows.conditions import CONDITIONS
from incubator.workflows.definition import parse
from incubator.workflows.diagram import Texts, render, wrap

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def state_groups(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-state"): g for g in root.iter(f"{SVG}g") if g.get("data-state")}


def texts_of(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def svg_in(html: str, svg_id: str) -> ET.Element:
    match = re.search(rf'<svg [^>]*id="{re.escape(svg_id)}".*?</svg>', html, re.S)
    assert match, f"no svg #{svg_id} in the page"
    return parse_svg(match.group(0))


def counts_in(root: ET.Element) -> dict[str, int]:
    counts = {}
    for name, group in state_groups(root).items():
        for text in group.iter(f"{SVG}text"):
            if "wfd__count" in text.get("class", ""):
                counts[name] = int(re.match(r"\d+", text.text).group(0))
    return counts


# --- the SVG ---------------------------------------------------------------------------------


def test_the_picture_is_valid_svg_with_a_box_per_state_counts_and_the_position(app):
    definition = get_definition("pau")
    counts = {"draft": 4, "startup": 2}
    markup = render(definition, "en", counts=counts, highlight="startup",
                    texts=Texts(title="Pau workflow", description="15 states."))
    root = parse_svg(markup)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Pau workflow" and desc.text == "15 states."
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.find(f"{SVG}defs/{SVG}marker") is not None

    groups = state_groups(root)
    assert set(groups) == set(definition.states)
    assert all(len(g.findall(f"{SVG}rect")) >= 1 for g in groups.values())
    assert counts_in(root) == {name: counts.get(name, 0) for name in definition.states}
    # Final states: a second (inner) border, not a colour only.
    for name, group in groups.items():
        assert (len(group.findall(f"{SVG}rect")) == 2) == definition.states[name].final
    # The position: a thick outline (class) and words.
    assert "wfd__state--here" in groups["startup"].get("class")
    assert any("You are here" in t for t in texts_of(groups["startup"]))
    assert not any("You are here" in t for n, g in groups.items() if n != "startup" for t in texts_of(g))
    # Labels in the requested language; the stay event written in its boxes.
    assert "Startup mode" in texts_of(groups["startup"])
    assert any("Continue" in t for t in texts_of(groups["pre_incubation"]))
    # Every arrow has an arrowhead; no style attribute anywhere (strict CSP).
    paths = [p for p in root.iter(f"{SVG}path") if "wfd__edge" in p.get("class", "")]
    assert paths and all(p.get("marker-end") for p in paths)
    # The release is drawn back to each state the hold leaves.
    assert len([p for p in paths if "release" in p.get("class")]) == 2
    assert "style=" not in str(markup)


@pytest.mark.parametrize("compact", [False, True])
def test_every_definition_draws_in_both_languages(app, compact):
    for definition in all_definitions():
        for locale in ("fr", "en"):
            root = parse_svg(render(definition, locale, compact=compact, highlight=definition.initial))
            assert set(state_groups(root)) == set(definition.states)
            width, height = (float(v) for v in root.get("viewBox").split()[2:])
            for rect in root.iter(f"{SVG}rect"):  # nothing drawn outside the picture
                assert float(rect.get("x")) >= 0 and float(rect.get("x")) + float(rect.get("width")) <= width
                assert float(rect.get("y")) >= 0 and float(rect.get("y")) + float(rect.get("height")) <= height
            if compact:
                assert root.find(f".//{SVG}text[@class='wfd__edge-label']") is None
                assert counts_in(root) == {}


def test_hostile_labels_are_escaped(app):
    hostile = '<script>alert("x")</script> & \'quotes\''
    definition = parse({
        "name": "hostile",
        "initial": "start",
        "label": {"fr": hostile, "en": hostile},
        "states": [
            {"name": "start", "label": {"fr": hostile, "en": hostile}},
            {"name": "done", "label": {"fr": "</text><script>", "en": "x"}, "final": True},
        ],
        "events": [{"name": "finish", "label": {"fr": "<b>fin</b>", "en": "end"}, "source": ["start"],
                    "dest": "done", "roles": ["staff"]}],
    }, frozenset(CONDITIONS))
    markup = str(render(definition, "fr", texts=Texts(title=hostile, description=hostile)))
    assert "<script" not in markup and "<b>" not in markup
    root = parse_svg(markup)
    assert root.find(f"{SVG}title").text == hostile
    all_text = " ".join(texts_of(root))
    assert "</text><script>" in all_text and "<b>fin</b>" in all_text


def test_long_labels_wrap_and_are_cut():
    assert wrap("Essaimé hors de la collectivité", 156) == ["Essaimé hors de la", "collectivité"]
    lines = wrap("un " * 60, 156)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(len(line) <= 22 for line in wrap("x" * 80, 156))


# --- the pages -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for path in ("/workflows", "/workflows/pau"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_workflow_is_not_found(make_user, login, client):
    login(make_user("staff"))
    assert client.get("/workflows/nope").status_code == 404
    assert client.get("/workflows/PAU").status_code == 404


def test_the_list_shows_every_definition_with_its_picture(make_user, login, client):
    login(make_user("agent"))
    response = client.get("/workflows")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for definition in all_definitions():
        assert f'href="/workflows/{definition.name}"' in html
        root = svg_in(html, f"thumb-{definition.name}")
        assert set(state_groups(root)) == set(definition.states)
    assert "style=" not in html


def test_staff_see_every_project_and_an_agent_only_their_own(make_user, make_call, make_project, login,
                                                            client):
    call = make_call()
    agent = make_user("agent")
    make_project("draft", call=call, team=[agent])
    make_project("submitted", call=call)
    make_project("submitted", call=call)
    make_project("draft", call=make_call(workflow="idea_forum"))  # another workflow: not counted

    login(make_user("staff"))
    html = client.get("/workflows/pau").get_data(as_text=True)
    counts = counts_in(svg_in(html, "workflow-pau"))
    assert counts["draft"] == 1 and counts["submitted"] == 2 and sum(counts.values()) == 3
    # The table says the same (the text alternative).
    assert re.search(r'<tr data-state="submitted">.*?<td>2</td>', html, re.S)

    login(agent)
    html = client.get("/workflows/pau").get_data(as_text=True)
    counts = counts_in(svg_in(html, "workflow-pau"))
    assert counts["draft"] == 1 and sum(counts.values()) == 1
    assert re.search(r'<tr data-state="submitted">.*?<td>0</td>', html, re.S)


def test_the_table_lists_events_with_who_may_fire_them(make_user, login, client):
    login(make_user("staff"))
    client.post("/language", data={"lang": "en", "next": "/",
                                   "csrf_token": _token(client)})
    html = client.get("/workflows/pau").get_data(as_text=True)
    row = re.search(r'<tr data-state="on_hold">(.*?)</tr>', html, re.S).group(1)
    assert "Resume" in row and "back to the state it left (Pre-incubation, Startup mode)" in row
    assert "Programme team" in row
    row = re.search(r'<tr data-state="draft">(.*?)</tr>', html, re.S).group(1)
    assert "the project&#39;s team" in row or "the project's team" in row
    final_row = re.search(r'<tr data-state="abandoned">(.*?)</tr>', html, re.S).group(1)
    assert "<td>Yes</td>" in final_row


def _token(client) -> str:
    from tests.conftest import extract_csrf

    return extract_csrf(client.get("/").get_data(as_text=True))


def test_queries_stay_flat_whatever_the_number_of_projects(make_user, make_call, make_project, login,
                                                           client, count_queries):
    call = make_call()
    team = [make_user("agent")]
    for _ in range(3):
        make_project("draft", call=call, team=team)
    staff = make_user("staff")
    login(staff)
    client.get("/workflows/pau")
    with count_queries() as small:
        assert client.get("/workflows/pau").status_code == 200
    for _ in range(37):
        db.session.add(Project(call_id=call.id, title="Projet", state="submitted"))
    db.session.commit()
    with count_queries() as large:
        html = client.get("/workflows/pau").get_data(as_text=True)
    assert large.count == small.count
    assert counts_in(svg_in(html, "workflow-pau"))["submitted"] == 37
    # The same for someone who sees only some projects.
    login(team[0])
    client.get("/workflows/pau")
    with count_queries() as agent:
        client.get("/workflows/pau")
    assert agent.count <= small.count + 1


# --- the project's position ------------------------------------------------------------------


def test_the_position_partial_marks_the_project_state(app, make_project):
    project = make_project("submitted")
    with app.test_request_context("/"):
        html = render_template_string('{% include "main/_workflow_position.html" %}', project=project)
    assert html.count("<details") == 1 and "<summary>" in html
    root = svg_in(html, f"position-{project.id}")
    groups = state_groups(root)
    assert "wfd__state--here" in groups["submitted"].get("class")
    assert any("You are here" in t or "Vous êtes ici" in t for t in texts_of(groups["submitted"]))
    assert counts_in(root) == {}
    assert 'href="/workflows/pau"' in html
