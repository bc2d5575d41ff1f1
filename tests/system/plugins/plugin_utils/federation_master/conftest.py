# -*- coding: utf-8 -*-
"""Fixtures shared by the federation master's sync tests."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.system.federation.master import two_children


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def master_url(request: Any, tmp_path: Path) -> str:
    """The master store under test: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "master.db")
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture
def two_sites(tmp_path: Path, master_url: str) -> Iterator[dict[str, Any]]:
    """Two children (a: sw0..sw7, b: sw6..sw11), the master store under test and the host documents of a
    reference master (SQLite) after one uninterrupted cycle (``tests/system/federation/master.py``)."""
    with two_children(tmp_path, master_url) as sites:
        yield sites
