"""The notifications inbox, the unread count in the header, and the notification preferences.

Every POST carries a CSRF token of the client's session, as a browser would send it.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from incubator.extensions import db
from incubator.models import User
from incubator.notifications.models import Notification
from incubator.notifications.service import notify
from tests.conftest import csrf_token, extract_csrf

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def location(response) -> str:
    assert response.status_code == 302, response.status_code
    parts = urlsplit(response.headers["Location"])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def add(user: User, n: int = 1, *, kind: str = "log_missing", link: str = "/projects", read: bool = False,
        start: int = 0, project: str = "Histologe", **params) -> None:
    """`n` notifications for `user`, an hour apart (the last one newest)."""
    for i in range(start, start + n):
        notify([user], kind, f"{kind}:{user.id}:{i}", at=T0 + timedelta(hours=i), link=link, read=read,
               params={"project": f"{project} {i}", "monday": "2026-02-23", "week": "2026-W09", **params})
    db.session.commit()


def ids_of(user: User) -> list[int]:
    return list(db.session.scalars(select(Notification.id).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def header_count(response) -> int:
    """The number the header's badge shows (0 when there is no badge)."""
    header = text(response).split('<nav class="main-nav"')[0]
    match = re.search(r'<span class="count-badge" aria-hidden="true">(\d+)</span>', header)
    return int(match.group(1)) if match else 0


def post(client, path: str, data: dict | None = None, **kwargs):
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)


@pytest.fixture
def agent(make_user, login):
    return login(make_user("agent", name="Awa Diallo"))


# ---------- Who may see what ----------

@pytest.mark.parametrize("path", ["/notifications", "/notifications?unread=1", "/account/preferences"])
def test_anonymous_visitors_are_sent_to_login(path, client):
    response = client.get(path)
    assert location(response).startswith("/login?next=")


def test_anonymous_posts_are_sent_to_login(make_user, client):
    owner = make_user("agent")
    add(owner)
    notification_id = ids_of(owner)[0]
    for path in (f"/notifications/{notification_id}/open", "/notifications/read-all", "/account/preferences"):
        assert location(post(client, path)).startswith("/login?next="), path
    assert db.session.get(Notification, notification_id).read_at is None


def test_the_inbox_lists_only_the_users_own_notifications(agent, make_user, client):
    other = make_user("agent")
    add(agent, 2, project="Mine")
    add(other, 2, project="Theirs")
    body = text(client.get("/notifications"))
    assert "Mine 0" in body and "Mine 1" in body
    assert "Theirs" not in body
    assert body.count('class="inbox__item') == 2


def test_opening_another_users_notification_is_a_404_and_leaves_it_unread(agent, make_user, client):
    other = make_user("agent")
    add(other)
    notification_id = ids_of(other)[0]
    assert post(client, f"/notifications/{notification_id}/open").status_code == 404
    assert post(client, "/notifications/999999/open").status_code == 404
    assert db.session.get(Notification, notification_id).read_at is None


def test_read_all_leaves_other_users_notifications_alone(agent, make_user, client):
    other = make_user("agent")
    add(agent, 2)
    add(other, 2)
    post(client, "/notifications/read-all")
    db.session.expire_all()
    unread = db.session.scalars(select(Notification.user_id).where(Notification.read_at.is_(None))).all()
    assert unread == [other.id, other.id]


# ---------- The inbox ----------

def test_the_inbox_shows_newest_first_marks_the_unread_and_hides_the_digest(agent, client):
    add(agent, 1, project="Old", read=True)
    add(agent, 1, project="Recent", start=1)
    notify([agent], "digest", "digest:2026-W10", params={"items": ["x"]}, link="/notifications",
           at=T0 + timedelta(days=1), read=False)
    db.session.commit()
    response = client.get("/notifications")
    body = text(response)
    assert response.status_code == 200
    assert body.index("Recent 1") < body.index("Old 0")
    items = body.split('<ol class="inbox">')[1].split("</ol>")[0].split("<li ")[1:]
    assert len(items) == 2  # the digest is an e-mail, not an inbox line
    recent, old = items
    # Unread: said in words ("New") and shown (the class draws it).
    assert "inbox__item--unread" in recent and 'class="inbox__new"' in recent
    assert "inbox__item--unread" not in old and 'class="inbox__new"' not in old
    # The subject (a button that opens it), the body and the date.
    assert re.search(r'<button type="submit" form="open-\d+" class="inbox__open">[^<]*« Recent 1 »', recent)
    assert '<p class="inbox__body">' in recent and "2026-W09" in recent
    assert '<time datetime="2026-03-02T09:00:00+00:00">' in recent
    # Only the unread one counts (the digest is not in the count either).
    assert header_count(response) == 1


def test_the_unread_filter(agent, client):
    add(agent, 2, project="Seen", read=True)
    add(agent, 1, project="Fresh", start=2)
    body = text(client.get("/notifications", query_string={"unread": "1"}))
    assert "Fresh 2" in body and "Seen" not in body
    assert body.count('class="inbox__item') == 1
    post(client, "/notifications/read-all")
    body = text(client.get("/notifications", query_string={"unread": "1"}))
    assert "Fresh" not in body
    assert 'class="empty"' in body


def test_the_empty_inbox_says_so(agent, client):
    body = text(client.get("/notifications"))
    assert 'class="empty"' in body
    assert '<ol class="inbox">' not in body
    assert "/notifications/read-all" not in body  # nothing to mark
    assert "/account/preferences" in body.split('<main id="main"')[1]  # linked from the inbox


def test_the_inbox_is_paginated(agent, app, client):
    add(agent, app.config["PER_PAGE"] + 5)
    first = text(client.get("/notifications"))
    assert first.count('class="inbox__item') == app.config["PER_PAGE"]
    last = text(client.get("/notifications", query_string={"page": 2}))
    assert last.count('class="inbox__item') == 5
    assert "Histologe 0" in last and "Histologe 0" not in first
    beyond = client.get("/notifications", query_string={"page": 9})
    assert beyond.status_code == 200 and 'class="empty"' in text(beyond)


def test_hostile_parameters_are_escaped(agent, client):
    add(agent, project="<script>alert(1)</script>")
    body = client.get("/notifications").get_data(as_text=True)
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)" in body


# ---------- Opening a notification, marking all as read ----------

def test_opening_marks_read_and_follows_the_link(agent, client):
    add(agent, 3, link="/projects/42/journal?week=2026-W09")
    assert header_count(client.get("/notifications")) == 3
    first = ids_of(agent)[0]
    response = post(client, f"/notifications/{first}/open")
    assert location(response) == "/projects/42/journal?week=2026-W09"
    assert db.session.get(Notification, first).read_at is not None
    assert header_count(client.get("/notifications")) == 2
    # Opening it again changes nothing and still follows the link.
    read_at = db.session.get(Notification, first).read_at
    assert location(post(client, f"/notifications/{first}/open")) == "/projects/42/journal?week=2026-W09"
    db.session.expire_all()
    assert db.session.get(Notification, first).read_at == read_at


@pytest.mark.parametrize("link", ["//evil.example", "https://evil.example", "/\\evil.example",
                                  "javascript:alert(1)", "evil.example/path", "", "http:/evil.example"])
def test_opening_never_leaves_the_site(link, agent, client):
    add(agent, link=link)
    notification_id = ids_of(agent)[0]
    assert location(post(client, f"/notifications/{notification_id}/open")) == "/notifications"
    assert db.session.get(Notification, notification_id).read_at is not None


def test_a_notification_without_link_is_marked_read_back_on_the_same_inbox_page(agent, client):
    add(agent, link="")
    notification_id = ids_of(agent)[0]
    body = text(client.get("/notifications"))
    assert f'form="open-{notification_id}" class="button' in body  # "Mark as read"
    assert 'class="inbox__open"' not in body  # nothing to open
    response = post(client, f"/notifications/{notification_id}/open?unread=1")
    assert location(response) == "/notifications?unread=1"
    assert db.session.get(Notification, notification_id).read_at is not None


def test_read_all_empties_the_count(agent, client):
    add(agent, 4)
    add(agent, 1, read=True, start=4)
    assert header_count(client.get("/")) == 4
    response = post(client, "/notifications/read-all")
    assert location(response) == "/notifications"
    assert header_count(client.get("/")) == 0
    db.session.expire_all()
    assert all(n.read_at is not None for n in db.session.scalars(select(Notification)))


# ---------- The header ----------

def test_the_header_shows_the_count_for_screen_readers_and_the_current_page(agent, client):
    add(agent, 3)
    response = client.get("/projects/")
    header = text(response).split('<nav class="main-nav"')[0]
    assert header_count(response) == 3
    # The number is shown, and said to screen readers in words ("3 unread").
    assert re.search(r'<span class="count-badge" aria-hidden="true">3</span>\s*'
                     r'<span class="visually-hidden">\(3 [^<]+\)</span>', header)
    assert 'href="/account/preferences"' in header
    assert re.search(r'class="header-inbox" href="/notifications"\s*>', header)  # not the current page
    inbox = text(client.get("/notifications")).split('<nav class="main-nav"')[0]
    assert re.search(r'class="header-inbox" href="/notifications"\s*aria-current="page"', inbox)


def test_the_header_has_no_badge_without_unread(agent, client):
    add(agent, 2, read=True)
    header = text(client.get("/")).split('<nav class="main-nav"')[0]
    assert "count-badge" not in header
    assert 'href="/notifications"' in header


def test_a_large_count_is_shortened_on_screen_but_exact_for_screen_readers(agent, client):
    add(agent, 120)
    header = text(client.get("/")).split('<nav class="main-nav"')[0]
    assert '<span class="count-badge" aria-hidden="true">99+</span>' in header
    assert "(120 " in header


def test_the_coaching_link_for_coaches_and_the_programme_team(make_user, login, client, app, monkeypatch):
    for roles, shown in ((("agent",), False), (("jury",), False), (("coach",), True), (("staff",), True),
                         (("admin",), True)):
        login(make_user(*roles))
        nav = text(client.get("/")).split('<nav class="main-nav"')[1].split("</nav>")[0]
        assert ("Coaching" in nav) is shown, roles
    # Until the coaching page exists, the pages render without the link.
    monkeypatch.delitem(app.view_functions, "incubation.coaching", raising=False)
    response = client.get("/")
    assert response.status_code == 200
    assert "Coaching" not in text(response).split('<nav class="main-nav"')[1].split("</nav>")[0]


# ---------- Preferences ----------

def test_preferences_show_the_current_choice_and_are_saved(agent, client):
    page = client.get("/account/preferences")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<input[^>]*checked[^>]*value="immediate"|<input[^>]*value="immediate"[^>]*checked', body)
    assert "<fieldset" in body and "<legend" in body
    response = client.post("/account/preferences", data={"email_frequency": "digest", "locale": "en",
                                                          "csrf_token": extract_csrf(body)})
    assert location(response) == "/account/preferences"
    db.session.expire_all()
    user = db.session.get(User, agent.id)
    assert (user.email_frequency, user.locale) == ("digest", "en")
    body = client.get("/account/preferences").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="digest"|<input[^>]*value="digest"[^>]*checked', body)


@pytest.mark.parametrize("data", [{"email_frequency": "hourly", "locale": "fr"},
                                  {"email_frequency": "none", "locale": "de"},
                                  {"locale": "fr"},
                                  {"email_frequency": "none"}])
def test_bad_preferences_are_refused_with_a_field_error(data, agent, client):
    response = post(client, "/account/preferences", data)
    assert response.status_code == 422
    body = text(response)
    assert 'class="error-summary"' in body
    assert 'class="field__error"' in body
    assert 'aria-invalid="true"' in body
    db.session.expire_all()
    user = db.session.get(User, agent.id)
    assert (user.email_frequency, user.locale) == ("immediate", "fr")


def test_preferences_say_whether_the_server_sends_email(agent, client, app):
    app.config["MAIL_SERVER"] = None
    body = text(client.get("/account/preferences"))
    assert "notice--mail-off" in body and agent.email not in body.split('<main id="main"')[1]
    app.config["MAIL_SERVER"] = "smtp.example.org"
    body = text(client.get("/account/preferences"))
    assert "notice--mail-off" not in body and agent.email in body.split('<main id="main"')[1]


@pytest.mark.parametrize(("before", "choice", "after"), [
    ({"pending": 2, "digest": 1, "sent": 1}, "none", {"off": 3, "sent": 1}),
    ({"pending": 2, "digest": 1, "sending": 1}, "digest", {"digest": 3, "sending": 1}),
])
def test_waiting_emails_follow_the_new_choice(before, choice, after, agent, client, app):
    app.config["MAIL_SERVER"] = "smtp.example.org"
    i = 0
    for state, n in before.items():
        for _ in range(n):
            notify([agent], "log_missing", f"k{i}", params={"project": "P"}, email_state=state, at=T0)
            i += 1
    db.session.commit()
    post(client, "/account/preferences", {"email_frequency": choice, "locale": "fr"})
    db.session.expire_all()
    states: dict[str, int] = {}
    for state in db.session.scalars(select(Notification.email_state)):
        states[state] = states.get(state, 0) + 1
    assert states == after


def test_the_digest_waiting_goes_at_once_when_switching_to_immediate(make_user, login, client, app):
    app.config["MAIL_SERVER"] = "smtp.example.org"
    user = make_user("agent")
    user.email_frequency = "digest"
    db.session.commit()
    login(user)
    notify([user], "log_missing", "k", params={"project": "P"}, at=T0)
    db.session.commit()
    assert db.session.scalar(select(Notification.email_state)) == "digest"
    post(client, "/account/preferences", {"email_frequency": "immediate", "locale": "fr"})
    db.session.expire_all()
    assert db.session.scalar(select(Notification.email_state)) == "pending"


# ---------- Queries ----------

def queries_for(client, path: str, count_queries) -> tuple[int, list[str]]:
    client.get(path)  # warm-up
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return counter.count, counter.statements


def test_the_inbox_queries_do_not_grow_with_the_notifications(agent, client, count_queries):
    add(agent, 3)
    few, _ = queries_for(client, "/notifications", count_queries)
    add(agent, 57, start=3)
    many, _ = queries_for(client, "/notifications", count_queries)
    assert many == few, f"{few} queries with 3 notifications, {many} with 60"
    unread, _ = queries_for(client, "/notifications?unread=1&page=2", count_queries)
    assert unread == few


@pytest.mark.parametrize("path", ["/", "/projects/", "/notifications", "/account/preferences"])
def test_the_header_count_costs_one_query_at_most(path, agent, client, count_queries, monkeypatch):
    add(agent, 3)
    with_count, statements = queries_for(client, path, count_queries)
    counts = [s for s in statements if "count(" in s.lower() and "notifications" in s.lower()
              and "read_at is null" in s.lower()]
    assert len(counts) == 1, counts
    import incubator.templating

    monkeypatch.setattr(incubator.templating, "header_context",
                        lambda: {"unread_notifications": None, "show_coaching_link": False})
    without, _ = queries_for(client, path, count_queries)
    assert with_count - without <= 1


def test_anonymous_pages_do_not_count(client, count_queries):
    _, statements = queries_for(client, "/login", count_queries)
    assert not [s for s in statements if "notifications" in s.lower()]
