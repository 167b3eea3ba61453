"""Every test that reads the wall clock is marked ``clock``, so the boundary runs include it.

``make test-boundaries`` runs only ``-m clock`` with the clock moved to a month and a year
boundary. A test that takes "now" from ``datetime.now`` (``utcnow``, ``date.today``) or from
a helper that does (``tests/clock.py``, or any helper module of ``tests/`` built on it) but
is not marked would silently skip those runs. This reads the tests' source (no import):
a use inside a test, or inside a helper, fixture or module-level name that the test refers
to (in the same module, imported from a helper module, or a fixture of a ``conftest.py``
above it), makes the test a clock test; it must then carry ``@pytest.mark.clock``,
directly, on its class, or through the module's ``pytestmark``.

Tests that reach the clock only through the product (an API that defaults to the current
month, a service's own "now") cannot be seen here: they are marked by reading them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today")}
Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass
class Module:
    path: Path
    name: str
    tree: ast.Module
    imported: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """Local name → (module, name): ``from m import a as b`` is b → (m, a); ``import m as b`` is b → (m, None)."""
    clock_names: dict[str, str] = field(default_factory=dict)
    """Top-level names (helpers, fixtures, constants) that read the clock → how."""

    @property
    def package(self) -> list[str]:
        return self.name.split(".")[:-1]

    def origin(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = self.name.split(".")[: -node.level]
        return ".".join([*base, *([node.module] if node.module else [])])

    def fixtures(self) -> set[str]:
        return {
            node.name
            for node in self.tree.body
            if isinstance(node, Function) and any("fixture" in ast.unparse(d) for d in node.decorator_list)
        }


def load_modules(root: Path) -> dict[str, Module]:
    """Every Python file of ``root/tests`` (Node's packages excepted), parsed, by module name."""
    modules = {}
    for path in sorted((root / "tests").rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        name = ".".join(path.relative_to(root).with_suffix("").parts)
        module = Module(path.relative_to(root), name, ast.parse(path.read_text(encoding="utf-8")))
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    module.imported[alias.asname or alias.name] = (module.origin(node), alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    module.imported[alias.asname or alias.name.split(".")[0]] = (alias.name, None)
        modules[name] = module
    return modules


def _clock_call(module: Module, node: ast.AST) -> bool:
    """``datetime.now(...)``, ``dt.datetime.now(...)``, ``date.today()``, with any import alias."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    owner = node.func.value
    if isinstance(owner, ast.Name):
        source, name = module.imported.get(owner.id, ("", owner.id))
        owner_name = name if source == "datetime" and name else owner.id
    elif isinstance(owner, ast.Attribute):
        owner_name = owner.attr
    else:
        return False
    return (owner_name, node.func.attr) in CLOCK_CALLS


def _helper_reason(module: Module, modules: dict[str, Module], name: str, attr: str | None) -> str | None:
    """How the imported ``name`` (or ``name.attr``) reads the clock, if it does."""
    if name not in module.imported:
        return None
    source, imported = module.imported[name]
    candidates = [(source, imported)] if imported is not None else []
    if attr is not None:  # from .. import clock; clock.local_now / import tests.clock; ...
        candidates.append((f"{source}.{imported}" if imported else source, attr))
    for helper_name, member in candidates:
        helper = modules.get(helper_name)
        if helper is not None and member in helper.clock_names:
            return f"{member} of {helper.path} → {helper.clock_names[member]}"
    return None


def reason(module: Module, node: ast.AST, modules: dict[str, Module], fixtures: dict[str, str]) -> str | None:
    """Why ``node`` reads the clock, or None."""
    for n in ast.walk(node):
        if _clock_call(module, n):
            assert isinstance(n, ast.Call)
            return f"{ast.unparse(n.func)}() on line {n.lineno}"
        if isinstance(n, ast.Name) and n.id in module.clock_names:
            return f"{n.id} → {module.clock_names[n.id]}"
        if isinstance(n, ast.arg) and n.arg in fixtures:
            return f"fixture {n.arg} → {fixtures[n.arg]}"
        if isinstance(n, ast.Name) and (why := _helper_reason(module, modules, n.id, None)):
            return why
        if (
            isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and (why := _helper_reason(module, modules, n.value.id, n.attr))
        ):
            return why
    return None


def _defined(node: ast.stmt) -> list[str]:
    if isinstance(node, Function | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return []


def _is_test(node: ast.stmt) -> bool:
    return isinstance(node, Function) and node.name.startswith("test")


def _fixtures_in_scope(module: Module, modules: dict[str, Module]) -> dict[str, str]:
    """Fixtures that read the clock: the module's own and those of every conftest.py above it."""
    found: dict[str, str] = {}
    package = module.package
    for depth in range(len(package), 0, -1):
        conftest = modules.get(".".join([*package[:depth], "conftest"]))
        if conftest is not None:
            found |= {f: conftest.clock_names[f] for f in conftest.fixtures() if f in conftest.clock_names}
    return found | {f: module.clock_names[f] for f in module.fixtures() if f in module.clock_names}


def find_clock_names(modules: dict[str, Module]) -> None:
    """Fill each module's ``clock_names``, following helpers within and across modules."""
    changed = True
    while changed:
        changed = False
        for module in modules.values():
            for node in module.tree.body:
                names = [n for n in _defined(node) if n not in module.clock_names]
                if not names or _is_test(node):
                    continue
                why = reason(module, node, modules, _fixtures_in_scope(module, modules))
                if why is not None:
                    module.clock_names.update(dict.fromkeys(names, why))
                    changed = True


def _marks_clock(expr: ast.AST) -> bool:
    """``pytest.mark.clock`` (or ``mark.clock``) anywhere in a decorator or ``pytestmark``."""
    return any(
        isinstance(n, ast.Attribute)
        and n.attr == "clock"
        and ast.unparse(n.value).rsplit(".", 1)[-1] == "mark"
        for n in ast.walk(expr)
    )


def _module_marked(module: Module) -> bool:
    return any(
        "pytestmark" in _defined(node)
        and isinstance(node, ast.Assign | ast.AnnAssign)
        and node.value is not None
        and _marks_clock(node.value)
        for node in module.tree.body
    )


def _tests(module: Module) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef, bool]]:
    """(name, function, marked through its class) of each test function and method."""
    for node in module.tree.body:
        if isinstance(node, Function) and node.name.startswith("test"):
            yield node.name, node, False
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            by_class = any(_marks_clock(d) for d in node.decorator_list)
            for item in node.body:
                if isinstance(item, Function) and item.name.startswith("test"):
                    yield f"{node.name}::{item.name}", item, by_class


def unmarked_clock_tests(root: Path) -> list[str]:
    """``path::test: how it reads the clock`` for each test that does without the ``clock`` mark."""
    modules = load_modules(root)
    find_clock_names(modules)
    problems = []
    for module in modules.values():
        if not module.path.name.startswith("test_") or _module_marked(module):
            continue
        fixtures = _fixtures_in_scope(module, modules)
        for name, function, by_class in _tests(module):
            if by_class or any(_marks_clock(d) for d in function.decorator_list):
                continue
            if (why := reason(module, function, modules, fixtures)) is not None:
                problems.append(f"{module.path}::{name}: {why}")
    return problems


def test_every_test_that_reads_the_clock_is_marked_clock() -> None:
    problems = unmarked_clock_tests(ROOT)
    assert not problems, (
        "these tests read the clock but are not marked clock, so make test-boundaries would skip "
        "them (add @pytest.mark.clock, or pytest.mark.clock in the module's pytestmark):\n  "
        + "\n  ".join(problems)
    )


# The guard itself, on small made-up test packages.


def _guard(tmp_path: Path, files: dict[str, str]) -> list[str]:
    for relative, text in {"tests/__init__.py": "", **files}.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    return [problem.split(": ", 1)[0] for problem in unmarked_clock_tests(tmp_path)]


CLOCK_HELPER = "from datetime import datetime\n\ndef local_now():\n    return datetime.now()\n"


def test_the_guard_finds_direct_and_indirect_uses(tmp_path: Path) -> None:
    found = _guard(
        tmp_path,
        {
            "tests/clock.py": CLOCK_HELPER,
            "tests/a/__init__.py": "",
            "tests/a/seeding.py": "from ..clock import local_now\n\n"
            "def seed():\n    return local_now()\n\ndef plain():\n    return 1\n",
            "tests/a/conftest.py": "import pytest\nfrom datetime import datetime\n\n"
            "@pytest.fixture\ndef now():\n    return datetime.now()\n",
            "tests/a/test_one.py": (
                "import datetime as dt\nfrom datetime import date, datetime\nfrom datetime import datetime as D\n\n"
                "from .. import clock\nfrom .seeding import plain, seed\n\n"
                "NOW = datetime.now()\n\n"
                "def helper():\n    return seed()\n\n"
                "def test_direct():\n    datetime.now()\n\n"
                "def test_module_attribute():\n    dt.datetime.now()\n\n"
                "def test_alias():\n    D.utcnow()\n\n"
                "def test_today():\n    date.today()\n\n"
                "def test_constant():\n    assert NOW\n\n"
                "def test_helper_of_helper():\n    helper()\n\n"
                "def test_clock_module():\n    clock.local_now()\n\n"
                "def test_import_inside():\n    from ..clock import local_now\n    local_now()\n\n"
                "def test_conftest_fixture(now):\n    assert now\n\n"
                "def test_fixed():\n    datetime(2026, 3, 1)\n\n"
                "def test_plain_helper():\n    plain()\n\n"
                "class TestGroup:\n    def test_method(self):\n        seed()\n"
            ),
        },
    )
    assert found == [
        f"tests/a/test_one.py::{name}"
        for name in (
            "test_direct",
            "test_module_attribute",
            "test_alias",
            "test_today",
            "test_constant",
            "test_helper_of_helper",
            "test_clock_module",
            "test_import_inside",
            "test_conftest_fixture",
            "TestGroup::test_method",
        )
    ]


def test_the_guard_accepts_every_way_of_marking(tmp_path: Path) -> None:
    found = _guard(
        tmp_path,
        {
            "tests/clock.py": CLOCK_HELPER,
            "tests/test_module.py": "import pytest\nfrom .clock import local_now\n\n"
            "pytestmark = [pytest.mark.slow, pytest.mark.clock]\n\n"
            "def test_a():\n    local_now()\n",
            "tests/test_each.py": "import pytest\nfrom datetime import datetime\n\n"
            "@pytest.fixture\ndef now():\n    return datetime.now()\n\n"
            "@pytest.mark.clock\ndef test_marked(now):\n    assert now\n\n"
            "def test_fixture_unmarked(now):\n    assert now\n\n"
            "@pytest.mark.clock\nclass TestAll:\n    def test_b(self):\n        datetime.now()\n",
        },
    )
    assert found == ["tests/test_each.py::test_fixture_unmarked"]
