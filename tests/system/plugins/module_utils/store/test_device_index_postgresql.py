"""tests/unit/plugins/module_utils/store/test_device_index.py, run again on PostgreSQL (see tests/system/rerun.py)."""
from __future__ import annotations

import pytest

from tests.unit.plugins.module_utils.store import test_device_index as unit
from tests.system.rerun import postgres_rerun

pytestmark = [pytest.mark.system, pytest.mark.postgres]

globals().update(postgres_rerun(unit, "url"))


@pytest.fixture
def url(postgres_database: str) -> str:
    return postgres_database  # a fresh database per test
