"""The property-based sweep of mnn's public API (issue #16; the machinery is in sweep.py).

For every public callable of the packages in ``sweep.PACKAGES``:

- valid arguments, drawn by Hypothesis, give a result of the documented type, shape and dtype,
  without NaN;
- a bad value of any one parameter ends in an error raised by mnn itself (a ``raise``
  statement in a module of mnn, not a failure inside NumPy, SciPy or matplotlib) whose message
  names the parameter.

The callables are enumerated from the packages' ``__all__``: a new public function, class or
method without a spec fails :func:`test_every_public_callable_has_a_spec`. The number of
examples comes from the Hypothesis profile (``ci`` by default, ``MNN_HYPOTHESIS_PROFILE=thorough``
for a longer search; see tests/conftest.py).
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
from collections.abc import Callable, Iterator

import matplotlib.pyplot as plt
import pytest
import sweep_data
import sweep_exercises
import sweep_explain
import sweep_explorer
import sweep_models
import sweep_nn
import sweep_optim
import sweep_viz
from hypothesis import given, settings
from hypothesis import strategies as st
from sweep import ALLOWED, CALLS, PACKAGES, Spec, parameters, raised_by_mnn, where_raised

SPECS: dict[str, Spec] = {
    **sweep_data.SPECS,
    **sweep_nn.SPECS,
    **sweep_optim.SPECS,
    **sweep_viz.SPECS,
    **sweep_explorer.SPECS,
    **sweep_explain.SPECS,
    **sweep_models.SPECS,
    **sweep_exercises.SPECS,
}

#: Public callables the sweep leaves out, each with the reason.
EXCLUDED = {
    "mnn.optim.OptimizeResult": "a record mnn's methods return; users do not build one",
    "mnn.optim.Iterate": "a record a callback receives; users do not build one",
    "mnn.optim.LineSearchResult": "a record a line search returns; users do not build one",
    "mnn.viz.HeatmapExplorer": "built by mnn.viz.heatmap_explorer, which checks the arguments",
    "mnn.viz.RelevanceExplorer": "built by mnn.viz.relevance_explorer, which checks the arguments",
    "mnn.explain.CamResult": "a record cam, grad_cam and grad_cam_plus_plus return",
    "mnn.explain.FoolResult": "a record fool returns; users do not build one",
    "mnn.explain.LrpResult": "a record lrp returns; users do not build one",
    "mnn.explain.MaximizeResult": "a record maximize returns; users do not build one",
    "mnn.explain.ReceptiveField": "a record receptive_field returns; users do not build one",
    "mnn.explain.NeuralizedSVM": "built by neuralize_one_class_svm, which checks the SVM",
    **sweep_explain.EXCLUDED,
    "mnn.models.imagenet.Prediction": "a record decode_predictions returns; users do not build one",
    "mnn.exercises.CheckReport": "a record a checker returns; users do not build one",
    "mnn.exercises.Case": "a record a checker builds for run_checks, which reads it",
    "mnn.exercises.Mistake": "a record a checker builds for run_checks, which reads it",
}


def public_callables() -> dict[str, Callable]:
    """Every public function, concrete class and public method of a class, by dotted name."""
    found: dict[str, Callable] = {}
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            value = getattr(module, name)
            if not getattr(value, "__module__", "").startswith("mnn"):
                continue  # a constant (a colour map, a tuple of names)
            if inspect.isfunction(value):
                found[f"{package}.{name}"] = value
            elif inspect.isclass(value) and not inspect.isabstract(value):
                found[f"{package}.{name}"] = value
                found |= {
                    f"{package}.{name}.{method_name}": method
                    for method_name, method in public_methods(value)
                }
    return found


def public_methods(cls: type) -> Iterator[tuple[str, Callable]]:
    """The public methods of ``cls`` (``__call__`` included) defined in mnn."""
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        public = not name.startswith("_") or name == "__call__"
        if public and member.__module__.startswith("mnn"):
            yield name, member


PUBLIC = public_callables()


@pytest.fixture(scope="module", autouse=True)
def sweep_environment() -> Iterator[None]:
    """A cache, data folder and variables of the sweep's own; figures closed after each call."""
    saved = dict(os.environ)
    os.environ.update(sweep_data.environment())
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_every_public_callable_has_a_spec() -> None:
    missing = sorted(set(PUBLIC) - set(SPECS) - set(EXCLUDED))
    assert not missing, f"public callables without a sweep spec: {missing}"
    unknown = sorted(set(SPECS) - set(PUBLIC))
    assert not unknown, f"specs of callables that are not public: {unknown}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_parameter_has_bad_values_or_a_reason(name: str) -> None:
    target = PUBLIC[name]
    signature_of = target.__init__ if inspect.isclass(target) else target
    expected = set(parameters(signature_of))
    spec = SPECS[name]
    covered = (set(spec.bad) - {"self"}) | set(spec.free)
    assert covered == expected, f"{name}: parameters {sorted(expected)}, covered {sorted(covered)}"
    assert not set(spec.bad) & set(spec.free), f"{name}: a parameter both bad and free"


def examples(spec: Spec, factor: float = 1.0) -> int:
    """The profile's number of examples, scaled by the spec's cost (at least 1); ``factor`` other
    than 1 counts bad calls, scaled by the spec's ``bad_cost`` where it has one.

    The decorators that call this stay as they are: with ``derandomize``, Hypothesis seeds a
    test from its source, decorators included, so editing them redraws every package's calls.
    """
    cost = spec.bad_cost if factor != 1.0 and spec.bad_cost is not None else spec.cost
    return max(1, round(settings.default.max_examples * cost * factor))


def run(spec: Spec, args: dict) -> object:
    try:
        return spec.call(args)
    finally:
        plt.close("all")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_valid_arguments_give_the_documented_result(name: str) -> None:
    spec = SPECS[name]

    @settings(max_examples=examples(spec))
    @given(spec.valid)
    def valid_call(args: dict) -> None:
        CALLS["valid"] += 1
        spec.check(run(spec, args), args)

    valid_call()


@pytest.mark.parametrize("name", sorted(name for name, spec in SPECS.items() if spec.bad))
def test_a_bad_argument_is_refused_by_mnn(name: str) -> None:
    spec = SPECS[name]

    @settings(max_examples=examples(spec, factor=2.0))
    @given(st.data())
    def bad_call(data: st.DataObject) -> None:
        args = data.draw(spec.valid, label="valid arguments")
        parameter = data.draw(st.sampled_from(sorted(spec.bad)), label="parameter")
        args[parameter] = data.draw(spec.bad[parameter](args), label="bad value")
        CALLS["bad"] += 1
        with pytest.raises(Exception) as caught:
            run(spec, args)
        error = caught.value
        assert isinstance(error, ALLOWED) and raised_by_mnn(error), (
            f"{type(error).__name__} raised at {where_raised(error)}, not by mnn: {error}"
        )
        if parameter != "self":
            words = spec.words.get(parameter, re.escape(parameter))
            assert re.search(words, str(error)), f"the message does not name {parameter}: {error}"

    bad_call()
