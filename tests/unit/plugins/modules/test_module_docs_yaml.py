"""Every plugin's DOCUMENTATION, EXAMPLES and RETURN is valid YAML (ansible-doc and sanity need it)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[4]
FILES = sorted(p for d in ("modules", "lookup", "inventory", "callback") for p in (ROOT / "plugins" / d).glob("*.py")
               if p.name != "__init__.py") + sorted((ROOT / "extensions/eda/plugins/event_source").glob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: "%s/%s" % (p.parent.name, p.name))
def test_doc_blocks_are_yaml(path: Path) -> None:
    found = 0
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in ("DOCUMENTATION", "EXAMPLES", "RETURN") \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            yaml.safe_load(node.value.value)
            found += 1
    assert found >= 1, "%s has no DOCUMENTATION" % path
