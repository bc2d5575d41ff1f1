"""tests/unit/plugins/module_utils/tasks/test_lease.py, run again on PostgreSQL (see tests/system/rerun.py)."""
from __future__ import annotations

import pytest

from tests.unit.plugins.module_utils.tasks import test_lease as unit
from tests.system.rerun import postgres_rerun

pytestmark = [pytest.mark.system, pytest.mark.postgres]

globals().update(postgres_rerun(unit, "store_url"))


@pytest.fixture
def store_url(postgres_database: str) -> str:
    return postgres_database  # a fresh database per test
