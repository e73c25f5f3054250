"""The migrations: one head, and they build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from incubator.extensions import db
from incubator.search.index import include_name

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_migrations_have_a_single_head():
    heads = script_directory().get_heads()
    assert len(heads) == 1, f"several heads: {heads}; merge them"


def test_every_revision_but_the_first_has_a_parent():
    revisions = list(script_directory().walk_revisions())
    bases = [r.revision for r in revisions if r.down_revision is None]
    assert len(bases) == 1, f"several bases: {bases}"


def test_the_database_is_at_the_head(app):
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    assert set(current) == set(script_directory().get_heads())


def test_models_and_migrations_agree(app):
    """What autogenerate would write now is nothing: a model change needs its migration."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False,
                                                         "include_name": include_name})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], "models and migrations differ:\n" + "\n".join(map(str, diff))


def test_the_comparison_would_see_a_difference(app):
    """The empty diff above is not vacuous: a column the migrations lack is reported."""
    from sqlalchemy import Column, Integer, MetaData

    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["projects"].append_column(Column("not_migrated", Integer))
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert any("not_migrated" in str(d) for d in diff)


def test_downgrade_to_base_and_upgrade_again(app, tmp_path):
    """Every migration can be undone and replayed, on a database of its own."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url

    from incubator import create_app

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        name = "incubator_roundtrip"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        target = url.set(database=name).render_as_string(hide_password=False)
    else:
        target = "sqlite:///" + str(tmp_path / "roundtrip.sqlite")

    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": target})
    with other.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()


def test_upgrading_a_database_with_data_keeps_every_row(app, tmp_path):
    """A table rebuilt by a migration (SQLite's batch mode) must not cascade-delete its children."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from incubator import create_app

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        name = "incubator_upgrade_data"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        target = url.set(database=name).render_as_string(hide_password=False)
    else:
        target = "sqlite:///" + str(tmp_path / "upgrade.sqlite")

    now = "2026-01-05 09:00:00"
    rows = [
        "INSERT INTO users (id, email, name, service, title, active, created_at) "
        "VALUES (1, 'a@example.org', 'Awa', '', '', true, :now)",
        "INSERT INTO programmes (id, name, organisation, description, created_at) VALUES (1, 'P', '', '', :now)",
        "INSERT INTO calls (id, programme_id, title, description, opens_at, closes_at, workflow, questionnaire, "
        "created_at) VALUES (1, 1, 'Appel', '', :now, '2026-02-05 09:00:00', 'pau', '[]', :now)",
        "INSERT INTO projects (id, call_id, title, problem, proposal, service, answers, state, created_at, "
        "updated_at, version) VALUES (1, 1, 'Projet', 'Un problème', '', '', '{}', 'draft', :now, :now, 1)",
        "INSERT INTO project_members (project_id, user_id, added_at) VALUES (1, 1, :now)",
        "INSERT INTO project_events (id, project_id, event, to_state, actor_id, at, comment) "
        "VALUES (1, 1, 'create', 'draft', 1, :now, '')",
    ]
    counted = ("projects", "project_members", "project_events")

    def counts():
        with db.engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in counted}

    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": target})
    with other.app_context():
        upgrade(revision="cf9169d365dd")  # before the projects table gained its publication columns
        with db.engine.begin() as conn:
            for statement in rows:
                conn.execute(text(statement), {"now": now})
        assert counts() == dict.fromkeys(counted, 1)
        upgrade()
        assert counts() == dict.fromkeys(counted, 1)
        downgrade(revision="cf9169d365dd")
        assert counts() == dict.fromkeys(counted, 1)
        with db.engine.connect() as conn:  # the pragma is back on for the app's connections
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
