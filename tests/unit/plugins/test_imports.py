"""Imports run one way (plugins -> tasks -> parts -> store -> common), without cycles; a private
module (``_x.py``) is imported only inside its own package."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PREFIX = "ansible_collections.netsync.fleet."
LAYERS = (  # lowest first; everything else (plugins, plugin_utils) sits on top
    ("plugins.module_utils.common",),
    ("plugins.module_utils.store",),
    ("plugins.module_utils.topology", "plugins.module_utils.alarms", "plugins.module_utils.device",
     "plugins.module_utils.report", "plugins.module_utils.history"),
    ("plugins.module_utils.tasks",),
)


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / "plugins").rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out[name[:-len(".__init__")] if name.endswith(".__init__") else name] = path
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX):
                base = node.module[len(PREFIX):]
                for alias in node.names:
                    deps.add(base + "." + alias.name if base + "." + alias.name in mods else base)
        graph[name] = {d for d in deps if d in mods and d != name}
    return graph


def _layer(name: str) -> int:
    for level, packages in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in packages):
            return level
    return len(LAYERS)


def test_imports_run_one_way() -> None:
    upward = sorted((m, d) for m, deps in _graph().items() for d in deps if _layer(d) > _layer(m))
    assert upward == []


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: %s" % " -> ".join(path[path.index(dep):] + [node, dep]))
            if dep not in state:
                visit(dep, path + [node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_private_modules_stay_in_their_package() -> None:
    leaks = []
    for name, deps in _graph().items():
        for dep in deps:
            package, _, leaf = dep.rpartition(".")
            if leaf.startswith("_") and not leaf.startswith("__") and name != package \
                    and not name.startswith(package + "."):
                leaks.append((name, dep))
    assert leaks == []
