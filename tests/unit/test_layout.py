"""The unit tests mirror the source tree and need nothing from the system tests."""
from __future__ import annotations

import re
from pathlib import Path

UNIT = Path(__file__).parent
REPO = UNIT.parent.parent


def test_unit_tests_import_nothing_from_system_tests() -> None:
    offenders = [str(p.relative_to(REPO)) for p in UNIT.rglob("*.py")
                 if re.search(r"^\s*(from|import)\s+tests\.system\b", p.read_text(), re.M)]
    assert offenders == []


def test_unit_test_folders_mirror_the_source_tree() -> None:
    """tests/unit/plugins/module_utils/store/ tests plugins/module_utils/store/, and so on."""
    folders = {p.parent.relative_to(UNIT) for p in UNIT.rglob("test_*.py")} - {Path("."), Path("sims")}
    missing = sorted(str(f) for f in folders if not (REPO / f).is_dir())
    assert missing == []
