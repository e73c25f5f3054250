"""The workflow engine and the programme definitions (as data in `definitions/`)."""

from . import registry
from .conditions import CONDITIONS, Context
from .definition import Definition, DefinitionError, Event, State
from .engine import (
    GuardFailed,
    InvalidTransition,
    NotPermitted,
    WorkflowError,
    actor_roles,
    check_conditions,
    fire,
    permitted_events,
    record_creation,
)
from .registry import all_definitions, get_definition

__all__ = [
    "CONDITIONS", "Context", "Definition", "DefinitionError", "Event", "GuardFailed",
    "InvalidTransition", "NotPermitted", "State", "WorkflowError", "actor_roles", "all_definitions",
    "check_conditions", "fire", "get_definition", "permitted_events", "record_creation", "registry",
]
