"""The import structure of ``src/mnn``: framework imports only where allowed, and no cycles.

Every module's import statements are read with :mod:`ast` (also those inside functions), and
relative imports are resolved. ``framework_module(package, ...)`` (:mod:`mnn._frameworks`) is
how a package reaches its ``torch.py`` and ``keras.py``: such a call counts as an import of
both. The checks run on small made-up packages first, so that a scanner that sees nothing
cannot pass.
"""

from __future__ import annotations

import ast
from collections.abc import Container, Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
FRAMEWORK_PACKAGES = {"torch": {"torch"}, "keras": {"keras", "tensorflow"}}
FRAMEWORKS = set().union(*FRAMEWORK_PACKAGES.values())


def modules_of(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under ``root`` (a ``src`` folder)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _base(name: str, path: Path, module: str | None, level: int) -> str:
    """The absolute module that ``from <level dots><module> import ...`` in ``name`` names."""
    if level == 0:
        return module or ""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{module}" if module else package


def imports(name: str, path: Path, modules: Container[str]) -> Iterator[tuple[str, int]]:
    """(absolute module name, line) of every import in the module ``name``, wherever it stands.

    ``from package import x`` imports ``package.x`` when that is one of ``modules``, else
    ``package`` itself (its ``__init__``): only an explicit import of a package's own names runs
    into its ``__init__``. ``framework_module(package, ...)`` imports ``package.torch`` and
    ``package.keras``; ``import_module("name")`` imports ``name``.
    """
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _base(name, path, node.module, node.level)
            for alias in node.names:
                member = f"{base}.{alias.name}"
                yield (member if member in modules else base), node.lineno
        elif isinstance(node, ast.Call) and node.args:
            called, argument = _called(node), node.args[0]
            if called in {"import_module", "__import__"} and isinstance(argument, ast.Constant):
                yield str(argument.value), node.lineno
            elif called == "framework_module":
                package = _package_argument(name, path, argument)
                if package is not None:
                    for framework in FRAMEWORK_PACKAGES:
                        yield f"{package}.{framework}", node.lineno


def _called(node: ast.Call) -> str | None:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else None


def _package_argument(name: str, path: Path, argument: ast.expr) -> str | None:
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    if isinstance(argument, ast.Name) and argument.id == "__name__":
        return name
    if isinstance(argument, ast.Name) and argument.id == "__package__":
        return _base(name, path, None, 1)
    return None


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the other modules of the tree under ``root`` that it imports."""
    modules = modules_of(root)
    return {
        name: {
            target
            for target, _line in imports(name, path, modules)
            if target in modules and target != name
        }
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def framework_imports(root: Path) -> dict[str, list[str]]:
    """Module -> "framework (line N)" for every import of torch, keras or tensorflow."""
    found = {}
    modules = modules_of(root)
    for name, path in modules.items():
        hits = sorted(
            {
                (line, target.partition(".")[0])
                for target, line in imports(name, path, modules)
                if target.partition(".")[0] in FRAMEWORKS
            }
        )
        if hits:
            found[name] = [f"{framework} (line {line})" for line, framework in hits]
    return found


def is_allowed(relative: Path, framework: str) -> bool:
    """Whether the module at ``relative`` (to src/mnn) may import ``framework``.

    The allow-list: ``_frameworks.py``, where the order in which frameworks are first imported
    is settled (issue 17); and the framework modules, the ``torch.py`` and ``keras.py`` of
    ``explain/backends/`` and of the packages under ``models/``, each importing its own
    framework only (a ``keras.py`` may import TensorFlow, which runs Keras here).
    """
    if relative.as_posix() == "_frameworks.py":
        return True
    in_place = relative.parts[0] == "models" or relative.parent.as_posix() == "explain/backends"
    return in_place and framework in FRAMEWORK_PACKAGES.get(relative.stem, ())


def offenders(root: Path) -> list[str]:
    """Framework imports outside the allow-list, as "module: framework (line N)"."""
    modules = modules_of(root)
    result = []
    for name, hits in framework_imports(root).items():
        relative = modules[name].relative_to(root / "mnn")
        result += [f"{name}: {hit}" for hit in hits if not is_allowed(relative, hit.split()[0])]
    return result


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


# --- the scanners on made-up packages -------------------------------------------------------


def test_every_kind_of_framework_import_is_seen(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "mnn/__init__.py": "",
            "mnn/nn/__init__.py": "",
            "mnn/nn/port.py": "def f():\n    import torch.nn\n",
            "mnn/nn/lazy.py": "import importlib\nimportlib.import_module('tensorflow')\n",
            "mnn/viz.py": "from keras import layers\n",
            "mnn/models/__init__.py": "",
            "mnn/models/cnn/__init__.py": "",
            "mnn/models/cnn/torch.py": "import torch\n",
            "mnn/models/cnn/keras.py": "import keras\nimport torch\n",
            "mnn/models/cnn/spec.py": "if True:\n    from tensorflow import nn\n",
        },
    )
    assert offenders(root) == [
        "mnn.models.cnn.keras: torch (line 2)",
        "mnn.models.cnn.spec: tensorflow (line 2)",
        "mnn.nn.lazy: tensorflow (line 2)",
        "mnn.nn.port: torch (line 2)",
        "mnn.viz: keras (line 1)",
    ]


def test_cycles_through_modules_packages_and_framework_modules_are_found(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "mnn/__init__.py": "",
            # a hub and its framework module, which imports the hub back
            "mnn/hub/__init__.py": (
                "from ..frameworks import framework_module\n"
                "def build(framework):\n    return framework_module(__name__, framework)\n"
            ),
            "mnn/hub/torch.py": "from . import spec\nfrom mnn.hub import build\n",
            "mnn/hub/spec.py": "SIZE = 1\n",
            "mnn/frameworks.py": "",
            # a submodule that imports a name of its own package, whose __init__ imports it
            "mnn/pkg/__init__.py": "from .loop import fit\nMETRIC = 1\n",
            "mnn/pkg/loop.py": "def fit():\n    from . import METRIC\n",
            # two plain modules, one importing the other inside a function
            "mnn/a.py": "from .b import g\n",
            "mnn/b.py": "def g():\n    from .a import f\n",
            # not cycles: a submodule importing a sibling through its package
            "mnn/ok/__init__.py": "from .one import x\n",
            "mnn/ok/one.py": "from . import two\nx = 1\n",
            "mnn/ok/two.py": "y = 2\n",
        },
    )
    assert cycles(import_graph(root)) == [
        ["mnn.a", "mnn.b"],
        ["mnn.hub", "mnn.hub.torch"],
        ["mnn.pkg", "mnn.pkg.loop"],
    ]


# --- the package itself ------------------------------------------------------------------


def test_frameworks_are_imported_only_by_the_allowed_modules():
    assert offenders(SRC) == []
    # The allow-list is not empty in practice: the scanner does see the real framework modules.
    seen = framework_imports(SRC)
    assert "mnn.explain.backends.torch" in seen and "mnn.models.efficientnet.torch" in seen


def test_no_import_cycles_among_mnn_modules():
    graph = import_graph(SRC)
    assert len(graph) > 50 and any(graph.values())
    assert cycles(graph) == []


@pytest.mark.parametrize("package", ["mnn.nn", "mnn.models", "mnn.data", "mnn.optim", "mnn.viz"])
def test_importing_a_framework_free_package_imports_no_framework(package):
    import subprocess
    import sys

    code = f"import sys, {package}; print(sorted(set({sorted(FRAMEWORKS)!r}) & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
