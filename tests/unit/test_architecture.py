"""The house rules, checked: no import circle inside tuner/, and validation imports no Ray or Spark."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import grimp


def import_cycles(package: str) -> list[list[str]]:
    """Every import circle among ``package``'s modules (strongly connected groups of more than one module,
    or a module importing itself), each as a sorted module list. Function-level imports count too."""
    graph = grimp.build_graph(package)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & graph.modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in edges[v]:
                cycles.append(sorted(group))

    for m in modules:
        if m not in index:
            visit(m)
    return cycles


# A package's __init__ importing its own submodules (which import the package for a sibling) is how
# re-exports work, not a circle a maintainer trips over: only circles between modules of different packages,
# or between two non-__init__ modules, count.
def _real(cycle: list[str]) -> bool:
    return len([m for m in cycle if not _is_package(m)]) > 1


def _is_package(module: str) -> bool:
    import importlib

    return hasattr(importlib.import_module(module), "__path__")


def test_tuner_has_no_import_circle():
    circles = [c for c in import_cycles("tuner") if _real(c)]
    assert not circles, f"import circles: {circles}"


def test_the_circle_check_finds_a_planted_circle(tmp_path, monkeypatch):
    pkg = tmp_path / "circ"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from circ import b\n")
    (pkg / "b.py").write_text(textwrap.dedent("""
        def f():
            from circ import a  # a function-level import closes the circle too
    """))
    (pkg / "c.py").write_text("import circ.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert [c for c in import_cycles("circ") if _real(c)] == [["circ.a", "circ.b"]]


def test_loading_a_config_imports_neither_ray_nor_spark():
    code = ("import sys; from tuner.config import load_experiment; "
            "load_experiment('experiments/quickstart.yaml'); "
            "bad = [m for m in ('ray', 'pyspark', 'raydp', 'optuna') if m in sys.modules]; "
            "assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=_root())
    assert proc.returncode == 0, proc.stderr


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]
