"""Workflow definitions: `pau` is the contract's table, and broken definitions never load."""

from __future__ import annotations

import copy

import pytest

from incubator.workflows import CONDITIONS, registry
from incubator.workflows.definition import DefinitionError, load_file, parse

KNOWN_CONDITIONS = frozenset(CONDITIONS)

# The contract (shared/contract.md, "The reference workflow `pau`"), written out independently of
# pau.toml. `team` stands for the project's own team; None as destination: back to the held state.
PAU_STATES = {
    "draft", "submitted", "withdrawn", "shortlisted", "not_retained", "selected", "rework", "rejected",
    "pre_incubation", "startup", "on_hold", "integrated", "scaled", "spun_off", "abandoned",
}
PAU_FINALS = {"withdrawn", "not_retained", "rejected", "integrated", "scaled", "spun_off", "abandoned"}
PAU_EVENTS = {
    "submit": ({"draft"}, "submitted", {"team"}),
    "withdraw": ({"draft", "submitted"}, "withdrawn", {"team"}),
    "shortlist": ({"submitted"}, "shortlisted", {"staff"}),
    "decline": ({"submitted"}, "not_retained", {"staff"}),
    "select": ({"shortlisted"}, "selected", {"jury", "staff"}),
    "ask_rework": ({"shortlisted"}, "rework", {"jury", "staff"}),
    "reject": ({"shortlisted"}, "rejected", {"jury", "staff"}),
    "reopen": ({"rework"}, "draft", {"team"}),
    "start": ({"selected"}, "pre_incubation", {"staff"}),
    "graduate": ({"pre_incubation"}, "startup", {"jury", "staff"}),
    "pause": ({"pre_incubation", "startup"}, "on_hold", {"staff"}),
    "resume": ({"on_hold"}, None, {"staff"}),
    "integrate": ({"startup"}, "integrated", {"jury", "staff"}),
    "scale": ({"startup"}, "scaled", {"jury", "staff"}),
    "spin_off": ({"startup"}, "spun_off", {"jury", "staff"}),
    "abandon": ({"pre_incubation", "startup", "on_hold"}, "abandoned", {"jury", "staff"}),
}
# Added to the contract's table (which allows additions): a phase review that keeps the project in
# its phase, with the next review a phase later.
PAU_EXTRA_EVENTS = {
    "continue": ({"pre_incubation", "startup"}, None, {"jury", "staff"}),
}


@pytest.fixture
def pau():
    return registry.load_all()["pau"]


@pytest.fixture
def restore_registry():
    """Tests that load other directories put the real definitions back afterwards."""
    yield
    registry.load_all()


# --- pau is the contract's table ---------------------------------------------------------------

def test_pau_states_and_finals(pau):
    assert set(pau.states) == PAU_STATES
    assert {s.name for s in pau.states.values() if s.final} == PAU_FINALS
    assert pau.initial == "draft"


def test_pau_has_exactly_the_contract_events(pau):
    assert set(pau.events) == set(PAU_EVENTS) | set(PAU_EXTRA_EVENTS)
    assert pau.events["continue"].stay and pau.events["continue"].review


@pytest.mark.parametrize("name", sorted(PAU_EVENTS))
def test_pau_event_matches_the_contract(pau, name):
    sources, dest, roles = PAU_EVENTS[name]
    event = pau.events[name]
    assert set(event.source) == sources
    assert event.roles == roles
    if dest is None:
        assert event.release and event.dest is None
    else:
        assert event.dest == dest and not event.release


def test_pau_resume_returns_to_the_state_pause_left(pau):
    pause, resume = pau.events["pause"], pau.events["resume"]
    assert pause.hold and resume.release
    assert set(resume.source) == {pause.dest}


def test_pau_conditions_and_timers(pau):
    assert "call_open" in pau.events["submit"].conditions
    assert pau.events["start"].starts_phase == "pre_incubation"
    assert pau.phases["pre_incubation"].months == 3
    assert pau.events["graduate"].starts_phase == "startup"
    assert pau.phases["startup"].months == 6


def test_pau_no_event_leaves_a_final_state(pau):
    for event in pau.events.values():
        assert not PAU_FINALS & set(event.source), event.name


def test_pau_labels_in_both_languages(pau):
    for item in [*pau.states.values(), *pau.events.values()]:
        assert item.labels["fr"].strip() and item.labels["en"].strip()


def test_pau_as_json_lists_the_contract_table(pau):
    data = pau.as_json()
    assert data["name"] == "pau" and data["initial"] == "draft"
    assert {s["name"]: s["final"] for s in data["states"]} == {s: s in PAU_FINALS for s in PAU_STATES}
    table = {t["event"]: (set(t["source"]), t["dest"], set(t["roles"])) for t in data["transitions"]}
    assert table == {**PAU_EVENTS, **PAU_EXTRA_EVENTS}


# --- broken definitions are refused at load --------------------------------------------------------

def label(text: str) -> dict[str, str]:
    return {"fr": text, "en": text}


VALID = {
    "name": "mini",
    "initial": "draft",
    "label": label("Mini"),
    "states": [
        {"name": "draft", "label": label("Draft")},
        {"name": "running", "label": label("Running")},
        {"name": "on_hold", "label": label("On hold")},
        {"name": "done", "label": label("Done"), "final": True},
    ],
    "events": [
        {"name": "begin", "label": label("Begin"), "source": ["draft"], "dest": "running",
         "roles": ["team"]},
        {"name": "pause", "label": label("Pause"), "source": ["running"], "dest": "on_hold",
         "roles": ["staff"], "hold": True},
        {"name": "resume", "label": label("Resume"), "source": ["on_hold"], "roles": ["staff"],
         "release": True},
        {"name": "finish", "label": label("Finish"), "source": ["running", "on_hold"], "dest": "done",
         "roles": ["staff", "jury"], "conditions": ["call_open"]},
    ],
}


def state(data, name):
    return next(s for s in data["states"] if s["name"] == name)


def event(data, name):
    return next(e for e in data["events"] if e["name"] == name)


def _set(getter, key, value):
    def mutate(data):
        getter(data)[key] = value
    return mutate


def _delete(getter, key):
    def mutate(data):
        del getter(data)[key]
    return mutate


def _append(collection, item):
    def mutate(data):
        data[collection].append(copy.deepcopy(item))
    return mutate


def _both(*mutations):
    def mutate(data):
        for m in mutations:
            m(data)
    return mutate


def _top(data):
    return data


# (id, mutation, fragments the message must contain besides the definition's name)
BROKEN = [
    ("unknown-source-state", _set(lambda d: event(d, "begin"), "source", ["nowhere"]),
     ["event 'begin'", "nowhere"]),
    ("unknown-dest-state", _set(lambda d: event(d, "begin"), "dest", "nowhere"),
     ["event 'begin'", "nowhere"]),
    ("unknown-initial-state", _set(_top, "initial", "nowhere"), ["initial", "nowhere"]),
    ("missing-initial-state", _delete(_top, "initial"), ["initial"]),
    ("duplicate-event", _append("events", VALID["events"][0]), ["event 'begin'", "twice"]),
    ("duplicate-state", _append("states", VALID["states"][1]), ["state 'running'", "twice"]),
    ("unreachable-state", _append("states", {"name": "orphan", "label": label("Orphan"), "final": True}),
     ["state 'orphan'", "unreachable"]),
    ("non-final-dead-end", _both(
        _append("states", {"name": "limbo", "label": label("Limbo")}),
        _append("events", {"name": "drift", "label": label("Drift"), "source": ["running"], "dest": "limbo",
                           "roles": ["staff"]})),
     ["state 'limbo'", "not final"]),
    ("unknown-role", _set(lambda d: event(d, "finish"), "roles", ["staff", "wizard"]),
     ["event 'finish'", "wizard"]),
    ("no-role", _set(lambda d: event(d, "finish"), "roles", []), ["event 'finish'", "roles"]),
    ("unknown-visible-to-role", _set(lambda d: state(d, "running"), "visible_to", ["wizard"]),
     ["state 'running'", "wizard"]),
    ("unknown-condition", _set(lambda d: event(d, "finish"), "conditions", ["moon_is_full"]),
     ["event 'finish'", "moon_is_full"]),
    ("missing-definition-label", _delete(_top, "label"), ["label"]),
    ("missing-state-label", _delete(lambda d: state(d, "running"), "label"), ["state 'running'", "label"]),
    ("missing-event-label", _delete(lambda d: event(d, "pause"), "label"), ["event 'pause'", "label"]),
    ("missing-english-label", _set(lambda d: event(d, "pause"), "label", {"fr": "Pause"}),
     ["event 'pause'", "'en'"]),
    ("blank-french-label", _set(lambda d: state(d, "done"), "label", {"fr": "  ", "en": "Done"}),
     ["state 'done'", "'fr'"]),
    ("release-without-hold", _delete(lambda d: event(d, "pause"), "hold"), ["event 'resume'", "hold"]),
    ("release-from-a-state-no-hold-leads-to", _set(lambda d: event(d, "resume"), "source", ["running"]),
     ["event 'resume'", "hold"]),
    ("release-with-dest", _set(lambda d: event(d, "resume"), "dest", "running"), ["event 'resume'", "dest"]),
    ("event-leaving-a-final-state", _set(lambda d: event(d, "finish"), "source", ["done"]),
     ["event 'finish'", "final state 'done'"]),
    ("no-source", _set(lambda d: event(d, "finish"), "source", []), ["event 'finish'", "source"]),
    ("no-states", _set(_top, "states", []), ["states"]),
    ("bad-event-name", _set(lambda d: event(d, "finish"), "name", "Finish!"), ["event 'Finish!'"]),
    ("reserved-event-name", _set(lambda d: event(d, "finish"), "name", "trigger"), ["event 'trigger'", "reserved"]),
    ("unknown-state-key", _set(lambda d: state(d, "running"), "colour", "red"), ["state 'running'", "colour"]),
    ("unknown-event-key", _set(lambda d: event(d, "begin"), "destination", "done"), ["event 'begin'", "destination"]),
    ("unknown-phase", _set(lambda d: event(d, "begin"), "starts_phase", "warp"), ["event 'begin'", "warp"]),
    ("dest-is-a-list", _set(lambda d: event(d, "begin"), "dest", ["running"]), ["event 'begin'", "dest"]),
    ("state-is-not-a-table", _append("states", "stray"), ["state"]),
    ("event-is-not-a-table", _append("events", "stray"), ["event"]),
    ("roles-not-a-list", _set(lambda d: event(d, "finish"), "roles", "staff"), ["event 'finish'", "roles"]),
    ("conditions-not-a-list", _set(lambda d: event(d, "finish"), "conditions", "call_open"),
     ["event 'finish'", "conditions"]),
]


def test_the_small_definition_is_valid():
    definition = parse(copy.deepcopy(VALID), KNOWN_CONDITIONS, origin="mini.toml")
    assert set(definition.states) == {"draft", "running", "on_hold", "done"}
    assert definition.events["resume"].release


@pytest.mark.parametrize(("mutate", "fragments"), [pytest.param(m, f, id=i) for i, m, f in BROKEN])
def test_broken_definition_is_refused_with_a_precise_message(mutate, fragments):
    data = copy.deepcopy(VALID)
    mutate(data)
    with pytest.raises(DefinitionError) as caught:
        parse(data, KNOWN_CONDITIONS, origin="mini.toml")
    message = str(caught.value)
    assert "mini.toml" in message
    if data.get("name") == "mini":
        assert "'mini'" in message
    for fragment in fragments:
        assert fragment in message


def test_missing_name_is_refused():
    data = copy.deepcopy(VALID)
    del data["name"]
    with pytest.raises(DefinitionError, match=r"mini\.toml.*name"):
        parse(data, KNOWN_CONDITIONS, origin="mini.toml")


# --- files and the registry -------------------------------------------------------------------------

def toml_of(data: dict) -> str:
    """Just enough TOML for the small definition (the standard library only reads TOML)."""
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        return str(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, list)]
    for table in ("phases", "states", "events"):
        for item in data.get(table, []):
            lines += ["", f"[[{table}]]", *(f"{k} = {value(v)}" for k, v in item.items())]
    return "\n".join(lines) + "\n"


def test_load_file_reads_a_valid_file(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(toml_of(VALID), encoding="utf-8")
    definition = load_file(path, KNOWN_CONDITIONS)
    assert definition.name == "mini"
    assert definition.events["finish"].conditions == ("call_open",)


def test_registry_loads_a_directory(tmp_path, restore_registry):
    (tmp_path / "mini.toml").write_text(toml_of(VALID), encoding="utf-8")
    loaded = registry.load_all(tmp_path)
    assert list(loaded) == ["mini"]
    assert registry.get_definition("mini").initial == "draft"


def test_registry_refuses_a_file_that_is_not_toml(tmp_path, restore_registry):
    (tmp_path / "broken.toml").write_text('name = "broken"\n[[states]\nname = ', encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        registry.load_all(tmp_path)
    assert "broken.toml" in str(caught.value)
    assert "TOML" in str(caught.value)


def test_registry_refuses_a_broken_definition_naming_its_file(tmp_path, restore_registry):
    data = copy.deepcopy(VALID)
    event(data, "finish")["roles"] = ["wizard"]
    (tmp_path / "mini.toml").write_text(toml_of(data), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        registry.load_all(tmp_path)
    assert "mini.toml" in str(caught.value) and "wizard" in str(caught.value)


def test_registry_refuses_two_files_with_the_same_name(tmp_path, restore_registry):
    (tmp_path / "a.toml").write_text(toml_of(VALID), encoding="utf-8")
    (tmp_path / "b.toml").write_text(toml_of(VALID), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"'mini' \(b\.toml\).*twice"):
        registry.load_all(tmp_path)


def test_a_refused_directory_leaves_the_loaded_definitions_alone(tmp_path, restore_registry):
    registry.load_all()
    (tmp_path / "broken.toml").write_text("not toml at all [", encoding="utf-8")
    with pytest.raises(DefinitionError):
        registry.load_all(tmp_path)
    assert registry.get_definition("pau").initial == "draft"


def test_every_shipped_definition_loads():
    loaded = registry.load_all()
    assert "pau" in loaded
