# -*- coding: utf-8 -*-
"""Fixtures shared by the federation master's sync tests."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def master_url(request: Any, tmp_path: Path) -> str:
    """The master store under test: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "master.db")
    return str(request.getfixturevalue("postgres_database"))
