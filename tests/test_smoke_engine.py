from incubator.extensions import db
from incubator.models import Project


def test_project_reaches_every_pau_state(make_project):
    for state in ("submitted", "shortlisted", "startup", "on_hold", "integrated"):
        project = make_project(state)
        db.session.expire_all()
        assert db.session.get(Project, project.id).state == state
