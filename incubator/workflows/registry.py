"""The loaded workflow definitions, by name; loading validates every file."""

from __future__ import annotations

from pathlib import Path

from .conditions import CONDITIONS
from .definition import Definition, DefinitionError, load_file, parse

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
_definitions: dict[str, Definition] = {}


def load_all(directory: Path = DEFINITIONS_DIR) -> dict[str, Definition]:
    """Load and validate every `*.toml` definition; a broken one stops the application."""
    loaded: dict[str, Definition] = {}
    for path in sorted(directory.glob("*.toml")):
        definition = load_file(path, frozenset(CONDITIONS))
        if definition.name in loaded:
            raise DefinitionError(f"workflow {definition.name!r} ({path.name}): name used twice")
        loaded[definition.name] = definition
    _definitions.clear()
    _definitions.update(loaded)
    return loaded


def register(data: dict, origin: str = "<data>") -> Definition:
    definition = parse(data, frozenset(CONDITIONS), origin=origin)
    _definitions[definition.name] = definition
    return definition


def get_definition(name: str) -> Definition:
    if not _definitions:
        load_all()
    try:
        return _definitions[name]
    except KeyError:
        raise LookupError(f"unknown workflow {name!r}") from None


def all_definitions() -> list[Definition]:
    if not _definitions:
        load_all()
    return list(_definitions.values())
