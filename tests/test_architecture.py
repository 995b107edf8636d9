"""The layer rule of docs/architecture.md, checked on the import graph.

Each layer imports only layers below it; no neckimu module imports itself through others.
grimp reads every ``import`` statement, those inside functions too (and those under
``TYPE_CHECKING``): an import moved into a function to dodge a cycle still counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

import neckimu

PACKAGE = Path(neckimu.__file__).parent

#: Top to bottom, as in docs/architecture.md. A tuple is one layer whose modules may import
#: each other; a frozenset is one layer whose modules are independent (none imports another).
LAYERS: list[str | tuple[str, ...] | frozenset[str]] = [
    ("__main__", "cli", "_commands"),  # commands (cli imports them by name)
    "live",  # live view, guided session, start screen
    "report",  # HTML report and its figures
    frozenset({"results", "plots", "output_files"}),  # analysis JSON, PNG plots, files written
    "pipeline",  # offline analysis: recording -> orientation -> angles -> verdicts
    "ble",  # device link: bytes -> sample blocks -> recording; the simulated headset
    "sim",  # simulated person, sensors and faults
    "verify",  # rep verifiers
    ("angles", "translation", "headframe", "posture", "trunk"),  # angles and translation
    "orientation",  # vqf
    "recording",  # recording format v1: writer, reader, events
    frozenset({"wire", "samples", "stream_stats", "mounts", "filters", "runs", "interrupt"}),
    "errors",
]

#: Modules that must not import a package even where the layers allow it.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    # a routine is data: the simulated person follows it, not the other way round
    "neckimu.live.routine": ("neckimu.sim", "neckimu.ble"),
    # a replay is a source beside the device, not a BLE stream
    "neckimu.live.replay": ("neckimu.ble", "neckimu.sim"),
    # recording is the device's job; analysing the file is the command's
    "neckimu.ble": ("neckimu.pipeline", "neckimu.verify", "neckimu.orientation"),
}


def _layer(entry: str | tuple[str, ...] | frozenset[str]) -> grimp.Layer:
    if isinstance(entry, str):
        return grimp.Layer(entry)
    return grimp.Layer(*sorted(entry), independent=isinstance(entry, frozenset))


def _names(entry: str | tuple[str, ...] | frozenset[str]) -> set[str]:
    return {entry} if isinstance(entry, str) else set(entry)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("neckimu", cache_dir=None)


def _route(chain: tuple[str, ...] | list[str]) -> str:
    return " -> ".join(chain)


def test_every_module_has_a_layer(graph: grimp.ImportGraph) -> None:
    listed = [name for entry in LAYERS for name in _names(entry)]
    assert len(listed) == len(set(listed)), "a module is in two layers"
    children = {m.removeprefix("neckimu.") for m in graph.find_children("neckimu")}
    assert children - set(listed) == set(), "place new modules in LAYERS and the architecture doc"
    assert set(listed) - children == set(), "LAYERS names a module that no longer exists"


def test_layers_point_down(graph: grimp.ImportGraph) -> None:
    illegal = graph.find_illegal_dependencies_for_layers(
        layers=[_layer(e) for e in LAYERS], containers={"neckimu"}
    )
    found = sorted(
        _route(["|".join(sorted(r.heads)), *r.middle, "|".join(sorted(r.tails))])
        for dep in illegal
        for r in dep.routes
    )
    assert found == [], "imports that point up (or across independent siblings):\n" + "\n".join(
        found
    )


def test_forbidden_imports(graph: grimp.ImportGraph) -> None:
    found = []
    for importer, banned in FORBIDDEN.items():
        for target in banned:
            if graph.chain_exists(importer, target, as_packages=True):
                chain = graph.find_shortest_chain(importer, target, as_packages=True)
                found.append(_route(chain or (importer, target)))
    assert found == [], "forbidden imports:\n" + "\n".join(found)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    adj = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in adj:
        if root in index:
            continue
        work = [(root, iter(adj[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(adj[w])))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    assert _cycles(graph) == []


def _private_reached(source: str, package: str = "neckimu") -> list[tuple[int, str]]:
    """``obj._name`` where ``_name`` is defined nowhere in the module (not ``self``/``cls``),
    and ``from neckimu... import _name`` from outside ``package`` (the importer's package: a
    helper a package's modules share may keep its underscore): private state, by line."""
    tree = ast.parse(source)
    own: set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            own.add(n.name)
        elif isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store):
            own.add(n.attr)
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            own.add(n.id)
    found = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.endswith("__"):
            if not (isinstance(n.value, ast.Name) and n.value.id in ("self", "cls")):
                if n.attr not in own:
                    found.append((n.lineno, f".{n.attr}"))
        elif isinstance(n, ast.ImportFrom) and (n.module or "").startswith("neckimu"):
            if (n.module or "").startswith(package + "."):
                continue  # a sibling module of the same package
            found += [
                (n.lineno, f"import {a.name}")
                for a in n.names
                if a.name[0] == "_" and not a.name.endswith("__")
            ]
    return found


def _package_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1])  # a package's __init__ belongs to the package itself


def test_no_private_state_reached_from_outside() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, what in _private_reached(path.read_text(encoding="utf-8"), _package_of(path))
    ]
    assert found == [], "use a public method or property instead:\n" + "\n".join(found)


def test_checks_can_fail() -> None:
    """The checks find an upward import, a forbidden one and a cycle added to a real graph."""
    g = grimp.build_graph("neckimu", cache_dir=None)
    g.add_import(importer="neckimu.recording.writer", imported="neckimu.pipeline")
    g.add_import(importer="neckimu.live.routine", imported="neckimu.sim.session")
    illegal = g.find_illegal_dependencies_for_layers(
        layers=[_layer(e) for e in LAYERS], containers={"neckimu"}
    )
    assert ("neckimu.recording", "neckimu.pipeline") in {(d.importer, d.imported) for d in illegal}
    assert g.chain_exists("neckimu.live.routine", "neckimu.sim", as_packages=True)
    assert any("neckimu.recording.writer" in c for c in _cycles(g))
    # what recorder.py did before it had public ways to ask
    reached = "def f(client, writer):\n    return client._task.done(), writer._last_flush\n"
    assert sorted(w for _, w in _private_reached(reached)) == ["._last_flush", "._task"]
    helper = "from neckimu.report.markup import _esc\n"
    assert _private_reached(helper, "neckimu.report") == []
    assert _private_reached(helper, "neckimu.live") == [(1, "import _esc")]
