"""The package's layout rules, read from the source with ``ast``.

- no import cycles among bigmul's modules (every import statement counts,
  top-level or inside a function);
- no core module imports ``bigmul.tools`` (the tools depend on the library,
  never the other way), except the two doors: ``bigmul.selftest()`` and
  ``python -m bigmul``;
- no private name (``_x``) imported from another module;
- ``import bigmul`` loads no tool, scipy, gmpy2 or CuPy module.

The checker is tested on a small synthetic package with a planted cycle, so
it is known to be able to fail.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "bigmul"
#: Core modules allowed to import a tool: the public doors to them.
TOOL_DOORS = {"bigmul", "bigmul.__main__"}


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(root: Path) -> dict[str, list[tuple[str, list[str]]]]:
    """Module -> [(imported module, names imported from it)] for every import in the package."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    pkg = root.name
    for path in sorted(root.rglob("*.py")):
        mod = module_name(path, root)
        is_pkg = path.name == "__init__.py"
        edges: list[tuple[str, list[str]]] = []
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                edges += [(a.name, []) for a in node.names if a.name.split(".")[0] == pkg]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] != pkg:
                    continue
                names = [a.name for a in node.names]
                if node.module is None:  # from . import x: x is a module (or a name of the package)
                    for n in names:
                        edges.append((f"{target}.{n}", []))
                else:
                    edges.append((target, names))
        out[mod] = edges
    return out


def resolve(name: str, modules: set[str]) -> str | None:
    """The module an import refers to (``from pkg import x`` may name an attribute, not a module)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def graph(root: Path) -> dict[str, set[str]]:
    imp = imports(root)
    mods = set(imp)
    g: dict[str, set[str]] = {m: set() for m in mods}
    for m, edges in imp.items():
        for target, _names in edges:
            t = resolve(target, mods)
            if t and t != m and not m.startswith(t + "."):  # a package's own __init__ runs first anyway
                g[m].add(t)
    return g


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert cycles(graph(ROOT)) == []


def test_checker_finds_a_planted_cycle(tmp_path):
    pkg = tmp_path / "bigmul"
    (pkg / "engines").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .api import multiply\n")
    (pkg / "api.py").write_text("from .plan import plan\ndef multiply(): pass\n")
    (pkg / "plan.py").write_text("def plan():\n    from .engines.fft import go\n")
    (pkg / "engines" / "__init__.py").write_text("")
    (pkg / "engines" / "fft.py").write_text("from .. import api\ndef go(): pass\n")
    assert cycles(graph(pkg)) == [["bigmul.api", "bigmul.engines.fft", "bigmul.plan"]]
    (pkg / "engines" / "fft.py").write_text("def go(): pass\n")
    assert cycles(graph(pkg)) == []


def test_core_never_imports_tools():
    g = graph(ROOT)
    offenders = {m: sorted(t for t in ts if t.startswith("bigmul.tools"))
                 for m, ts in g.items() if not m.startswith("bigmul.tools") and m not in TOOL_DOORS}
    assert {m: t for m, t in offenders.items() if t} == {}


def test_no_private_names_across_modules():
    imp = imports(ROOT)
    bad = [(m, t, n) for m, edges in imp.items() for t, names in edges for n in names
           if n.startswith("_") and not n.startswith("__")]
    assert bad == []


def test_import_bigmul_loads_no_tools_scipy_gmpy2_or_cupy():
    code = ("import sys, bigmul; bigmul.multiply(3, 4); "
            "print(' '.join(m for m in sys.modules if m.split('.')[0] in ('scipy', 'gmpy2', 'cupy', 'flint') "
            "or m.startswith('bigmul.tools') or m in ('bigmul.engines.fft', 'bigmul.engines.ntt')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


@pytest.mark.parametrize("name", ["carry", "convolve", "multiply", "square", "selftest"])
def test_public_functions_are_not_shadowed_by_modules(name):
    import bigmul

    assert callable(getattr(bigmul, name))
    assert not (ROOT / f"{name}.py").exists()


# --- named paths exist; speed thresholds live in tuning.py --------------------------------------
REPO = ROOT.parent
#: A file path in backquotes (``engines/fft.py``, ``benchmarks/results/x.txt``) in a docstring or comment.
PATH_RE = __import__("re").compile(r"``([\w./-]+\.(?:py|md|txt|json|csv|toml|png))``")
#: The convention ``tuning.py`` states: a speed threshold ends in _MIN_<unit> or _MAX_<unit>.
THRESHOLD_RE = __import__("re").compile(r"^[A-Z0-9_]+_(?:MIN|MAX)_(?:BITS|DIGITS|LEN|LIMBS|CHARS|WORK|PIECES|BYTES)$")


def missing_paths(root: Path, repo: Path) -> list[tuple[str, str]]:
    """(file, path) for every backquoted path in the package's sources that names no existing file
    (relative to the repository, the package, the file's own folder or ``engines/``/``tools/``)."""
    out = []
    for path in sorted(root.rglob("*.py")):
        for name in PATH_RE.findall(path.read_text()):
            where = [repo / name, root / name, path.parent / name, root / "engines" / name, root / "tools" / name]
            if not any(w.exists() for w in where):
                out.append((str(path.relative_to(repo)), name))
    return out


def thresholds_outside_tuning(root: Path) -> list[tuple[str, str]]:
    """(module, name) for every module-level constant named like a speed threshold outside
    ``tuning.py`` (the tools' own run parameters excepted: they decide no route)."""
    out = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "tuning.py" or "tools" in path.relative_to(root).parts:
            continue
        for node in ast.parse(path.read_text()).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            for t in targets:
                if isinstance(t, ast.Name) and THRESHOLD_RE.match(t.id):
                    out.append((module_name(path, root), t.id))
    return out


def test_every_path_named_in_the_sources_exists():
    assert missing_paths(ROOT, REPO) == []


def test_speed_thresholds_live_in_tuning():
    assert thresholds_outside_tuning(ROOT) == []


def test_the_path_and_threshold_checks_can_fail(tmp_path):
    pkg = tmp_path / "bigmul"
    (pkg / "engines").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""See ``engines/fft.py`` and ``carry.py``."""\n')
    (pkg / "engines" / "fft.py").write_text("# evidence: ``benchmarks/results/old.txt``\nFFT_MIN_LEN = 10\n")
    (pkg / "tuning.py").write_text("INT_FFT_MIN_BITS = 5\n")
    assert missing_paths(pkg, tmp_path) == [("bigmul/__init__.py", "carry.py"),
                                            ("bigmul/engines/fft.py", "benchmarks/results/old.txt")]
    assert thresholds_outside_tuning(pkg) == [("bigmul.engines.fft", "FFT_MIN_LEN")]
