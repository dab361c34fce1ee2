"""TensorFlow's start-up notices are dropped from standard error; everything else is kept."""

from __future__ import annotations

import ast
import importlib.machinery
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from mnn._quiet import notices_dropped, quiet_import, without_notices

# What `import tensorflow` wrote to standard error on this machine (TensorFlow 2.21, two copies
# of absl in two shared libraries, hence everything twice).
TENSORFLOW_STDERR = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1796589238.346799   14511 port.cc:153] oneDNN custom operations are on. You may \
see slightly different numerical results due to floating-point round-off errors from different \
computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.
I0000 00:00:1796589238.462009   14511 cpu_feature_guard.cc:227] This TensorFlow binary is \
optimized to use available CPU instructions in performance-critical operations.
To enable the following instructions: AVX2 AVX512F AVX512_VNNI AVX512_BF16 FMA, in other \
operations, rebuild TensorFlow with the appropriate compiler flags.
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1796589244.294029   14511 port.cc:153] oneDNN custom operations are on. You may \
see slightly different numerical results due to floating-point round-off errors from different \
computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.
"""
# What the first compiled explainer function with an int32 operation logged on an AMD EPYC (the
# book build of chapters 4 and 5): an ERROR-level line that only says Eigen computes instead.
ONEDNN_INT32 = (
    "E0000 00:00:1796644974.642589    5875 util.cc:131] oneDNN supports DT_INT32 only on "
    "platforms with AVX-512. Falling back to the default Eigen-based implementation if present.\n"
)
MATTERS = [
    "W0000 00:00:1796589244.294029   14511 cuda_dnn.cc:8] Unable to register cuDNN factory\n",
    "E0000 00:00:1796589244.294029   14511 port.cc:153] Could not load dynamic library\n",
    "/x/keras/src/export.py:12: DeprecationWarning: np.find_common_type is deprecated\n",
    "I0000 00:00:1796589244.294029   14511 gpu_device.cc:20] Created device /gpu:0\n",
]


def test_the_recorded_notices_are_all_dropped() -> None:
    assert TENSORFLOW_STDERR.count("\n") == 6
    assert without_notices(TENSORFLOW_STDERR) == ""


def test_warnings_errors_and_other_lines_are_kept_in_order() -> None:
    lines = TENSORFLOW_STDERR.splitlines(keepends=True)
    mixed = [lines[0], MATTERS[0], *lines[1:4], MATTERS[1], MATTERS[2], lines[4], MATTERS[3]]
    assert without_notices("".join(mixed)) == "".join(MATTERS)


def test_descriptor_2_is_filtered_and_restored(capfd: pytest.CaptureFixture[str]) -> None:
    os.write(2, b"before\n")
    with notices_dropped():
        os.write(2, TENSORFLOW_STDERR.encode())
        os.write(2, MATTERS[0].encode())
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "before\n" + MATTERS[0] + "after\n"


def test_the_int32_fallback_notice_is_dropped_but_not_other_errors_of_its_file() -> None:
    other = ONEDNN_INT32.replace("oneDNN supports DT_INT32", "oneDNN supports DT_FLOAT")
    assert without_notices(ONEDNN_INT32 + MATTERS[1] + other) == MATTERS[1] + other


def test_the_first_run_of_a_compiled_keras_function_drops_the_notices(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # The Python code of a Lambda layer runs when TensorFlow traces the function, as the graph
    # optimiser's notice is written when TensorFlow first calls it: both inside the first run.
    keras = pytest.importorskip("keras")
    from mnn.explain.backends import keras as backend
    from mnn.explain.backends.base import Objective

    tracing = []

    def noisy(x):
        if tracing:
            os.write(2, (ONEDNN_INT32 + MATTERS[1]).encode())
        return x

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Lambda(noisy)(inputs)))
    graph = backend.graph(model, None)
    objective = Objective(graph.output, top=1)
    images = np.ones((2, 3), np.float32)
    capfd.readouterr()
    tracing.append(True)
    backend.run(model, graph, images, objective=objective, wrt=(0,))
    assert capfd.readouterr().err == MATTERS[1]
    # Later runs reuse the function: nothing is traced, nothing is written, nothing captured.
    backend.run(model, graph, images, objective=objective, wrt=(0,))
    assert capfd.readouterr().err == ""


def write_noisy_package(folder: Path, name: str, body: str = "") -> None:
    package = folder / name
    package.mkdir()
    (package / "__init__.py").write_text(
        f"import os\nos.write(2, {TENSORFLOW_STDERR.encode()!r})\n"
        f"os.write(2, {MATTERS[0].encode()!r})\n{body}"
    )


def test_the_first_import_is_quiet_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    write_noisy_package(tmp_path, "noisy_framework")
    monkeypatch.delitem(sys.modules, "noisy_framework", raising=False)
    quiet_import("noisy_framework")
    quiet_import("noisy_framework")  # pending already: still one finder
    assert sum(getattr(f, "name", None) == "noisy_framework" for f in sys.meta_path) == 1
    module = __import__("noisy_framework")
    assert capfd.readouterr().err == MATTERS[0]
    assert isinstance(module.__loader__, importlib.machinery.SourceFileLoader)
    assert module.__spec__.loader is module.__loader__
    assert not any(getattr(f, "name", None) == "noisy_framework" for f in sys.meta_path)


def test_a_failing_import_still_raises_and_shows_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    write_noisy_package(tmp_path, "broken_framework", "raise ImportError('no libcudart')\n")
    quiet_import("broken_framework")
    with pytest.raises(ImportError, match="no libcudart"):
        __import__("broken_framework")
    assert capfd.readouterr().err == MATTERS[0]


def stderr_of(code: str) -> str:
    # Without TF_CPP_MIN_LOG_LEVEL, which other test modules set for their own TensorFlow
    # (tests/nn_oracles.py) and which would silence the control.
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=environment,
    )
    return result.stderr


@pytest.mark.slow
def test_importing_tensorflow_after_mnn_prints_no_notice() -> None:
    # Without mnn the notices are there (so the test can tell: which ones depends on the CPU,
    # oneDNN's is printed on Intel processors only), with mnn first they are not, also when
    # TensorFlow comes in through Keras.
    plain = stderr_of("import tensorflow")
    assert "This TensorFlow binary is optimized" in plain and without_notices(plain) == ""
    assert stderr_of("import mnn, keras, tensorflow") == ""


KERNEL_CONFIG = Path(__file__).resolve().parents[1] / "requirements" / "ipython_kernel_config.py"
EXECUTE_ONE_CELL = """
import nbclient, nbformat
notebook = nbformat.v4.new_notebook()
notebook.cells = [nbformat.v4.new_code_cell("import warnings; warnings.warn('kept')")]
nbclient.NotebookClient(notebook, kernel_name="python3").execute()
print(notebook.cells[0].outputs[0]["text"])
"""


@pytest.mark.slow
def test_kernels_print_no_connection_warning_but_keep_the_cells_warnings() -> None:
    installed = Path(sys.prefix) / "etc" / "ipython" / KERNEL_CONFIG.name
    assert installed.is_file() and installed.read_text() == KERNEL_CONFIG.read_text(), (
        f"{installed} is not the project's kernel configuration: run `make env`"
    )
    result = subprocess.run(
        [sys.executable, "-c", EXECUTE_ONE_CELL],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "without encryption" not in result.stderr
    assert "UserWarning: kept" in result.stdout


ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ("tensorflow", "keras")


def imported_modules(source: str) -> list[str]:
    """The top-level names of the modules that ``source`` imports, in the order of its lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module.split(".")[0]))
    return [name for _, name in sorted(found)]


@pytest.mark.parametrize(
    "path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda path: path.stem
)
def test_notebooks_import_mnn_before_tensorflow(path: Path) -> None:
    # The first import of TensorFlow is quiet only once mnn is imported (see mnn._quiet): a
    # notebook that imports Keras first prints TensorFlow's start-up notices, in the book build
    # too.
    notebook = nbformat.read(path, as_version=4)
    names = [
        name
        for cell in notebook.cells
        if cell.cell_type == "code"
        for name in imported_modules(cell.source)
    ]
    if any(name in FRAMEWORKS for name in names):
        first = next(name for name in names if name in ("mnn", *FRAMEWORKS))
        assert first == "mnn", f"{path.name} imports {first} before mnn"
