"""Evidence files through the web pages: a refused file saves nothing, kept files are served only
to those who see the project, and an oversize request gets a clear 413."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from incubator.calls.operations import create_call
from incubator.extensions import db
from incubator.incubation.models import Attachment, Validation
from incubator.incubation.periods import paris_date
from tests.conftest import csrf_token
from tests.incubation_helpers import incubate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def inc(make_project, make_user):
    """A project in pre-incubation since a few weeks, from a call of last year."""
    now = datetime.now(UTC)
    call = create_call(title="Appel de l'an dernier", opens_at=now - timedelta(days=300),
                       closes_at=now - timedelta(days=200))
    db.session.commit()
    return incubate(make_project, make_user, at=now - timedelta(days=40), call=call)


def english(client) -> None:
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client)})


def download(client, url: str):
    """GET a file and close the response (send_file streams from an open file)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def stored_files(app) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()}


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def form(client, **extra) -> dict:
    data = {"csrf_token": csrf_token(client), "method": "interviews", "users_count": "8",
            "held_on": paris_date(datetime.now(UTC)).isoformat(), "verdict": "validated",
            "notes": "Huit usagers **au guichet**", "iteration_id": ""}
    data.update(extra)
    return data


def new_url(inc) -> str:
    return f"/projects/{inc.project.id}/validations/new"


@pytest.fixture
def team_client(inc, login, client):
    login(inc.team[0])
    english(client)
    return client


def test_the_form_states_the_limits_and_takes_several_files(inc, team_client):
    page = team_client.get(new_url(inc))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and "multiple" in html and 'accept=".pdf,.png,.jpg,.jpeg,.webp"' in html
    assert "PDF, PNG, JPEG or WebP" in html and "5 MB at most each" in html
    assert 'aria-current="page"' in html and "User validation" in html


@pytest.mark.parametrize("name, data, expected", [
    ("programme.exe", b"MZ\x90\x00" + b"\x00" * 32, "is not a kept type"),
    ("rapport.pdf", PNG, "is not a kept type"),  # the name says PDF, the bytes say PNG
    ("page.png", b"<html><script>alert(1)</script></html>", "is not a kept type"),
    ("vide.pdf", b"", "is empty"),
    ("gros.pdf", PDF + b"x" * 2048, "is too large: 1 KB at most"),
])
def test_a_refused_file_gets_a_clear_error_and_nothing_is_stored(app, inc, team_client, name, data, expected):
    app.config["UPLOAD_MAX_BYTES"] = 1024
    before = stored_files(app)
    good = (io.BytesIO(PDF), "bon.pdf")
    response = team_client.post(new_url(inc), data=form(team_client, files=[good, (io.BytesIO(data), name)]),
                                content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was saved" in html
    assert expected in html and name in html
    assert 'id="files-error"' in html and 'aria-invalid="true"' in html  # the field is flagged
    assert 'href="#files"' in html  # and the error summary links to it
    assert count(Validation) == 0 and count(Attachment) == 0
    assert stored_files(app) == before
    # What was typed stays in the form.
    assert "Huit usagers **au guichet**" in html and 'value="8"' in html


def test_an_invalid_field_stores_no_file_either(app, inc, team_client):
    before = stored_files(app)
    response = team_client.post(new_url(inc), data=form(team_client, verdict="", users_count="-3",
                                                        files=[(io.BytesIO(PDF), "bon.pdf")]),
                                content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="verdict-error"' in html and 'id="users_count-error"' in html
    assert count(Validation) == 0 and stored_files(app) == before


def test_good_files_are_kept_and_served_to_those_who_see_the_project(app, inc, team_client, make_user, login,
                                                                        client):
    before = stored_files(app)
    response = team_client.post(new_url(inc), data=form(team_client, files=[
        (io.BytesIO(PDF), "compte-rendu.pdf"), (io.BytesIO(PNG), "maquette.png")]),
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    validation = db.session.scalar(select(Validation))
    assert (validation.method, validation.users_count, validation.verdict) == ("interviews", 8, "validated")
    files = {a.filename: a for a in validation.attachments}
    assert set(files) == {"compte-rendu.pdf", "maquette.png"}
    assert len(stored_files(app) - before) == 2

    page = team_client.get(f"/projects/{inc.project.id}/validations")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "compte-rendu.pdf" in html and "maquette.png" in html
    assert "<strong>au guichet</strong>" in html  # the notes as markdown

    pdf_url = f"/projects/{inc.project.id}/validations/{validation.id}/attachments/{files['compte-rendu.pdf'].id}"
    png_url = f"/projects/{inc.project.id}/validations/{validation.id}/attachments/{files['maquette.png'].id}"
    assert pdf_url in html and png_url in html
    for user in (inc.team[1], inc.coach, inc.staff):
        login(user)
        got = download(client, pdf_url)
        assert got.status_code == 200, user
        assert got.data == PDF and got.mimetype == "application/pdf"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Content-Security-Policy"] == "sandbox"
        assert got.headers["Content-Disposition"].startswith("attachment") and "compte-rendu.pdf" in \
            got.headers["Content-Disposition"]
        image = download(client, png_url)
        assert image.status_code == 200 and image.data == PNG and image.mimetype == "image/png"
        assert image.headers["Content-Security-Policy"] == "sandbox"

    login(make_user("agent"))
    assert download(client, pdf_url).status_code == 404
    assert client.get(f"/projects/{inc.project.id}/validations").status_code == 404


def test_ids_that_do_not_match_are_a_404(inc, make_project, make_user, login, client):
    from werkzeug.datastructures import FileStorage

    from incubator.incubation.operations import add_validation

    today = paris_date(datetime.now(UTC))
    validation = add_validation(inc.project, inc.coach, method="survey", users_count=30, held_on=today,
                                verdict="mixed", files=[FileStorage(io.BytesIO(PDF), "a.pdf")])
    other = add_validation(inc.project, inc.coach, method="pilot", users_count=3, held_on=today,
                           verdict="validated")
    db.session.commit()
    attachment_id = validation.attachments[0].id
    elsewhere = incubate(make_project, make_user, team_size=1).project.id
    login(inc.staff)  # sees every project: only the ids decide
    base = f"/projects/{inc.project.id}/validations"
    assert download(client, f"{base}/{validation.id}/attachments/{attachment_id}").status_code == 200
    assert client.get(f"{base}/{other.id}/attachments/{attachment_id}").status_code == 404
    assert client.get(f"{base}/{validation.id}/attachments/{attachment_id + 1000}").status_code == 404
    assert client.get(f"/projects/{elsewhere}/validations/{validation.id}/attachments/"
                      f"{attachment_id}").status_code == 404


def test_files_added_later_and_refused_ones(app, inc, team_client):
    from incubator.incubation.operations import add_validation

    validation = add_validation(inc.project, inc.coach, method="prototype_test", users_count=5,
                                held_on=paris_date(datetime.now(UTC)), verdict="not_validated")
    db.session.commit()
    url = f"/projects/{inc.project.id}/validations/{validation.id}/attachments"
    before = stored_files(app)
    refused = team_client.post(url, data={"csrf_token": csrf_token(team_client),
                                          "files": [(io.BytesIO(PDF), "ok.pdf"), (io.BytesIO(b"GIF89a"), "x.jpg")]},
                               content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Nothing was saved" in html and "x.jpg" in html and f'id="files-{validation.id}-error"' in html
    assert count(Attachment) == 0 and stored_files(app) == before
    nothing = team_client.post(url, data={"csrf_token": csrf_token(team_client)}, content_type="multipart/form-data")
    assert nothing.status_code == 422 and "Choose a file to add." in nothing.get_data(as_text=True)

    added = team_client.post(url, data={"csrf_token": csrf_token(team_client),
                                        "files": [(io.BytesIO(PNG), "photo.png")]}, content_type="multipart/form-data")
    assert added.status_code == 302
    assert count(Attachment) == 1 and len(stored_files(app) - before) == 1


def test_readers_who_may_not_write_get_a_403(inc, make_user, login, client):
    jury = make_user("jury")
    login(jury)
    assert client.get(f"/projects/{inc.project.id}/validations").status_code == 200
    assert client.get(new_url(inc)).status_code == 403
    response = client.post(new_url(inc), data=form(client), content_type="multipart/form-data")
    assert response.status_code == 403
    assert count(Validation) == 0


def test_a_request_over_the_limit_gets_a_clear_413(app, inc, team_client):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    before = stored_files(app)
    big = (io.BytesIO(PDF + b"x" * 8000), "gros.pdf")
    response = team_client.post(new_url(inc), data=form(team_client, files=[big]), content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "too large" in html and "4 KB at most" in html and "Nothing was saved" in html
    assert count(Validation) == 0 and stored_files(app) == before


def test_the_api_gets_its_413_as_json(app, inc, api):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = api(inc.coach).post(f"/api/v1/projects/{inc.project.id}/validations",
                                   json={"method": "survey", "notes": "x" * 4096})
    assert response.status_code == 413
    body = response.get_json()
    assert body["error"] == "too_large" and body["max_bytes"] == 1024
    assert count(Validation) == 0
