"""Run unit tests again against PostgreSQL.

The store's unit tests run on SQLite only (no server). Each ``*_postgresql.py`` module under
``tests/system/plugins`` re-exports the unit module's tests that use the back-end fixture, together
with the unit module's own fixtures, and overrides the back-end fixture with a fresh PostgreSQL
database: the same test functions, a second back end, and nothing to keep in step by hand.
"""
from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any


def _is_fixture(obj: Any) -> bool:
    return type(obj).__name__ == "FixtureFunctionDefinition" or hasattr(obj, "_pytestfixturefunction")


def _uses(fn: Any, names: set[str]) -> bool:
    target = getattr(fn, "_get_wrapped_function", None)
    target = target() if callable(target) else getattr(fn, "__wrapped__", fn)
    return bool(names & set(inspect.signature(target).parameters))


def postgres_rerun(module: ModuleType, backend: str) -> dict[str, Any]:
    """The tests of ``module`` that need ``backend`` (directly or through one of its fixtures), and its fixtures.

    ``backend`` itself is left out: the caller defines it (for PostgreSQL).
    """
    fixtures = {name: obj for name, obj in vars(module).items() if _is_fixture(obj) and name != backend}
    needing = {backend}
    changed = True
    while changed:  # fixtures that need the back end, directly or through another fixture
        grown = needing | {name for name, fx in fixtures.items() if _uses(fx, needing)}
        changed, needing = grown != needing, grown
    tests = {name: fn for name, fn in vars(module).items()
             if name.startswith("test_") and inspect.isfunction(fn) and _uses(fn, needing)}
    if not tests:
        raise AssertionError("%s: no test uses %r" % (module.__name__, backend))
    return {**fixtures, **tests}
