r"""Activation maximisation: the input that a unit, a feature map or a class responds to most.

For a unit with activation :math:`f(x)` and regularisers :math:`\Omega_i`,
:func:`maximize` looks for

.. math:: x^* = \arg\max_x \; f(x) - \sum_i \Omega_i(x)

by gradient ascent on the input (Erhan et al. 2009; Simonyan et al. 2014), as the course does
with a ``GradientTape``: :math:`x \leftarrow x + \eta\, d / \operatorname{rms}(d)` with
:math:`d = \nabla f(x) - \sum_i \nabla \Omega_i(x)`, each image's step scaled so that its
pixels move by :math:`\eta` on average. With a *generator* :math:`x = g(z)` (a decoder) the
code is optimised instead, :math:`z^* = \arg\max_z f(g(z)) - \sum_i \Omega_i(z)`, and the
gradient reaches it through the generator: :math:`\nabla_z = J_g(z)^\top \nabla_x f`.

The unit is a class (its logit, before any softmax), the mean of a feature map, or one neuron
of a feature map; see :func:`maximize`. The regularisers are in
:mod:`mnn.explain.regularizers`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from .. import optim
from .._validation import (
    check_bool,
    check_choice,
    check_index,
    check_input_size,
    check_position,
    check_positive_int,
    check_positive_real,
    describe,
)
from . import _layers
from .backends import backend_of
from .backends.base import Graph, Objective, channels_first, channels_last
from .cam import check_images
from .regularizers import Penalty, Projection, Transform

logger = logging.getLogger("mnn")

METHODS = ("ascent", "lbfgs")
UNIT_FORMS = (
    "unit must be a class index (an int: its logit), (layer, channel) (the mean of that feature "
    "map), (layer, channel, (row, column)) (one neuron), or a list of these, one per image"
)
#: L-BFGS stops when the gradient's largest entry has fallen by this factor (or after ``steps``).
LBFGS_TOLERANCE = 1e-7


@dataclass(frozen=True)
class MaximizeResult:
    """The images that maximise a unit, and how they were found.

    Attributes
    ----------
    images
        (N, ...) in the model's layout and dtype: the input images, or the generator's images
        of :attr:`codes`.
    codes
        (N, d) the optimised codes when a generator was used, else ``None``.
    trace
        (steps + 1, N): the unit's activation :math:`f` at every step, first the start's (for
        L-BFGS, one row per iteration). With :class:`~mnn.explain.regularizers.Jitter`, the
        values of the steps are those of the shifted images; the last row is always that of
        :attr:`images` as they are.
    penalty
        (steps + 1, N): the sum of the penalties :math:`\\sum_i \\Omega_i` at every step.
    units
        A description of each image's unit.
    layer
        The name of the layer whose output holds the unit(s).
    note
        How the images were obtained, in words, with anything that went wrong.
    """

    images: np.ndarray
    codes: np.ndarray | None
    trace: np.ndarray
    penalty: np.ndarray
    units: tuple[str, ...]
    layer: str
    note: str


@dataclass(frozen=True)
class _Units:
    """The units of a call, resolved on a graph: one node, and the objective for the batch."""

    node: int
    objective: Objective
    replace: dict
    descriptions: tuple[str, ...]
    note: str


def _unit_list(unit: Any) -> list:
    if isinstance(unit, list):
        if not unit:
            raise ValueError(f"{UNIT_FORMS}; got an empty list.")
        return unit
    return [unit]


def _is_class(unit: Any) -> bool:
    return isinstance(unit, (int, np.integer)) and not isinstance(unit, bool)


def _resolve(graph: Graph, layout: str, units: list) -> tuple[int, list, dict, str]:
    """The node the units read, a (class or weights, description) per unit, the replacement
    that reads logits, and a note."""
    if all(_is_class(unit) for unit in units):
        index, note, replace = _layers.logits(graph)
        count = graph.nodes[index].shape[-1]
        resolved = []
        for unit in units:
            c = check_index(unit, "unit", count, f"the model has {count} classes")
            resolved.append((c, f"class {c}"))
        return index, resolved, replace, note
    nodes = []
    resolved = []
    for unit in units:
        if _is_class(unit) or not isinstance(unit, tuple) or len(unit) not in (2, 3):
            raise TypeError(
                f"{UNIT_FORMS}; got {describe(unit)}"
                + (" mixed with layer units" if _is_class(unit) else "")
                + "."
            )
        index = _layers.find_layer(graph, unit[0])
        node = graph.nodes[index]
        nodes.append(index)
        channels = node.shape[0] if layout == "NCHW" else node.shape[-1]
        channel = check_index(
            unit[1], "the channel", channels, f"layer {node.name!r} has {channels} channels"
        )
        weights = np.zeros(node.shape)
        h, w = node.spatial
        if len(unit) == 3:
            row, column = check_position(unit[2], "the position", (h, w), f"layer {node.name!r}")
            where = (channel, row, column) if layout == "NCHW" else (row, column, channel)
            weights[where] = 1.0
            what = f"neuron ({row}, {column}) of channel {channel} of {node.name!r}"
        else:
            where = (channel,) if layout == "NCHW" else (Ellipsis, channel)
            weights[where] = 1.0 / (h * w)
            what = f"channel {channel} of {node.name!r} (mean of its {h}x{w} map)"
        resolved.append((weights, what))
    names = sorted({graph.nodes[i].name for i in nodes})
    if len(names) > 1:
        raise ValueError(
            f"the units of one call must all be in one layer, got layers {names}; call "
            "maximize once per layer."
        )
    return nodes[0], resolved, {}, ""


def _units(graph: Graph, layout: str, unit: Any, count: int) -> _Units:
    units = _unit_list(unit)
    if len(units) not in (1, count) and count != 1:
        raise ValueError(
            f"got {len(units)} units for a start of {count} images: pass one unit per image, "
            "or one unit for every image, or one start for every unit."
        )
    index, resolved, replace, note = _resolve(graph, layout, units)
    n = max(len(units), count)
    resolved = resolved * n if len(resolved) == 1 else resolved
    if isinstance(resolved[0][0], int):
        classes = np.array([[c] for c, _ in resolved], dtype=np.int64)
        objective = Objective(index, classes=classes)
    else:
        objective = Objective(index, weights=np.stack([w for w, _ in resolved])[:, None])
    return _Units(index, objective, replace, tuple(d for _, d in resolved), note)


class _Generator:
    """x = g(z): a decoder model, run forward and pulled back through."""

    def __init__(self, model: Any, start: Any, count: int) -> None:
        self.backend = backend_of(model)
        self.model = model
        self.dtype = self.backend.dtype(model)
        codes = start
        if start is None:
            try:
                graph = self.backend.graph(model, None)
            except ValueError as error:
                raise ValueError(
                    f"{error} With a generator, start is a batch of codes (N, d): pass start, "
                    "e.g. np.zeros((N, d), np.float32)."
                ) from None
            codes = np.zeros((count, *graph.input_shape), self.dtype)
        self.codes = self._check_codes(codes)
        try:
            self.graph = self.backend.graph(model, self.codes.shape[1:])
        except ValueError as error:
            raise ValueError(
                f"the generator cannot take codes of shape {self.codes.shape[1:]}: {error} "
                "Pass a generator that maps codes (N, d) to images (a decoder), and start codes "
                "of its input size."
            ) from None

    def _check_codes(self, codes: Any) -> np.ndarray:
        if not isinstance(codes, np.ndarray):
            raise TypeError(
                f"with a generator, start must be a NumPy array of codes (N, d), got "
                f"{describe(codes)}."
            )
        codes = codes[None] if codes.ndim == 1 else codes
        if codes.ndim != 2 or codes.dtype != self.dtype:
            raise ValueError(
                f"with a generator, start must be codes (N, d) or one code (d,) in the "
                f"generator's dtype {self.dtype}, got {describe(codes)}."
            )
        return codes

    @property
    def image_shape(self) -> tuple[int, ...]:
        return self.graph.nodes[self.graph.output].shape

    def forward(self, codes: np.ndarray) -> np.ndarray:
        output = self.graph.output
        run = self.backend.run(self.model, self.graph, codes.astype(self.dtype), keep=(output,))
        return run.outputs[output]

    def pull_back(self, codes: np.ndarray, gradient: np.ndarray) -> np.ndarray:
        """:math:`J_g(z)^\\top v` for every code and the image gradient v."""
        objective = Objective(self.graph.output, weights=gradient.astype(self.dtype)[:, None])
        run = self.backend.run(
            self.model, self.graph, codes.astype(self.dtype), objective=objective, wrt=(0,)
        )
        return run.gradients[0][0]


class _Problem:
    """The objective of one call: the unit's activation, the penalties and the transforms, as
    functions of the variable (images in the model's layout, or codes)."""

    def __init__(
        self,
        model: Any,
        graph: Graph,
        units: _Units,
        generator: _Generator | None,
        regularizers: list,
    ) -> None:
        self.backend = backend_of(model)
        self.model, self.graph, self.units, self.generator = model, graph, units, generator
        self.dtype = self.backend.dtype(model)
        self.penalties = [r for r in regularizers if isinstance(r, Penalty)]
        self.transforms = [r for r in regularizers if isinstance(r, Transform)]
        self.projections = [r for r in regularizers if isinstance(r, Projection)]

    def _channels_first(self, variable: np.ndarray) -> np.ndarray:
        return variable if self.generator else channels_first(variable, self.backend.layout)

    def images(self, variable: np.ndarray) -> np.ndarray:
        return self.generator.forward(variable) if self.generator else variable

    def activation(
        self, variable: np.ndarray, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """f for every image and its gradient with respect to the variable; with ``rng``, the
        images are transformed first."""
        layout = self.backend.layout
        images = channels_first(self.images(variable), layout)
        changes = [(t, t.sample(rng)) for t in self.transforms] if rng is not None else []
        for transform, change in changes:
            images = transform.apply(images, change)
        run = self.backend.run(
            self.model,
            self.graph,
            np.ascontiguousarray(channels_last(images, layout), dtype=self.dtype),
            objective=self.units.objective,
            wrt=(0,),
            replace=self.units.replace,
        )
        gradient = channels_first(run.gradients[0][0].astype(np.float64), layout)
        for transform, change in reversed(changes):
            gradient = transform.pull_back(gradient, change)
        gradient = channels_last(gradient, layout)
        if self.generator:
            gradient = self.generator.pull_back(variable, gradient).astype(np.float64)
        return run.values[:, 0].astype(np.float64), gradient

    def penalty(self, variable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sum of the penalties for every image, and its gradient."""
        values = np.zeros(len(variable))
        gradient = np.zeros_like(variable)
        view = self._channels_first(variable)
        for penalty in self.penalties:
            value, grad = penalty.value_and_gradient(view)
            values += value
            gradient += grad if self.generator else channels_last(grad, self.backend.layout)
        return values, gradient

    def project(self, variable: np.ndarray, step: int) -> np.ndarray:
        if not self.projections:
            return variable
        view = self._channels_first(variable)
        for projection in self.projections:
            view = projection.project(view, step)
        return np.ascontiguousarray(
            view if self.generator else channels_last(view, self.backend.layout)
        )


def _check_regularizers(regularizers: Any, method: str, generator: Any) -> list:
    if not isinstance(regularizers, (list, tuple)):
        raise TypeError(
            "regularizers must be a list of mnn.explain.regularizers objects, e.g. "
            f"[regularizers.L2(0.01)], got {describe(regularizers)}."
        )
    for regularizer in regularizers:
        if not isinstance(regularizer, (Penalty, Transform, Projection)):
            raise TypeError(
                "every regularizer must be a Penalty, Transform or Projection from "
                f"mnn.explain.regularizers, got {describe(regularizer)}."
            )
        if method == "lbfgs" and not (isinstance(regularizer, Penalty) and regularizer.smooth):
            raise ValueError(
                f"method='lbfgs' needs a smooth objective, but {regularizer!r} is not a smooth "
                "penalty (random shifts, blurs and TotalVariation with beta < 2 are not); use "
                "method='ascent'."
            )
        if generator is not None and not isinstance(regularizer, Penalty):
            raise ValueError(
                f"{regularizer!r} changes images, but with a generator the code is optimised; "
                "regularise the code with L2 or GaussianPrior."
            )
    return list(regularizers)


def _check_bounds(bounds: Any, method: str, generator: Any) -> tuple[float, float] | None:
    if bounds is None:
        return None
    if (
        not isinstance(bounds, tuple)
        or len(bounds) != 2
        or not all(isinstance(b, (int, float, np.number)) and np.isfinite(b) for b in bounds)
        or not bounds[0] < bounds[1]
    ):
        raise ValueError(
            f"bounds must be a pair (low, high) of finite numbers with low < high: the values "
            f"of the darkest and the brightest pixel in the model's input, got {describe(bounds)}."
        )
    if generator is not None:
        raise ValueError(
            "bounds constrain the pixels of the images, but with a generator the images are "
            "whatever it makes of the codes; leave bounds out."
        )
    if method == "lbfgs":
        raise ValueError(
            "method='lbfgs' cannot keep the pixels within bounds (its steps are not projected); "
            "use method='ascent', or leave bounds out."
        )
    return float(bounds[0]), float(bounds[1])


def _start_images(
    backend: Any,
    model: Any,
    start: Any,
    count: int,
    bounds: tuple[float, float] | None,
    input_size: Any,
    rng: np.random.Generator,
) -> tuple[Graph, np.ndarray, str]:
    """The graph, the start batch (model layout, model dtype) and a description of it."""
    dtype = backend.dtype(model)
    if isinstance(start, str) or start is None:
        start = "grey" if start is None else start
        check_choice(start, "start", ("grey", "noise"))
        graph = backend.graph(model, check_input_size(input_size))
        low, high = bounds if bounds is not None else (-0.5, 0.5)
        grey = (low + high) / 2
        images = np.full((count, *graph.input_shape), grey)
        what = f"grey ({grey:g})"
        if start == "noise":
            images += rng.uniform(-0.1, 0.1, images.shape) * (high - low)
            what = f"grey ({grey:g}) plus uniform noise of +-{0.1 * (high - low):g}"
        return graph, images.astype(dtype), what
    if isinstance(start, np.ndarray) and start.ndim == 3:
        start = start[None]
    images = check_images(start, backend.layout, dtype)
    return backend.graph(model, images.shape[1:]), images, "the given image(s)"


def _generated_graph(backend: Any, model: Any, generator: _Generator) -> Graph:
    shape = generator.image_shape
    try:
        graph = backend.graph(model, shape)
    except ValueError as error:
        raise ValueError(
            f"the generator makes outputs of shape {shape} per code, which the model cannot "
            f"take as images in its {backend.layout} layout: {error}"
        ) from None
    if graph.input_shape != shape:
        raise ValueError(
            f"the generator makes outputs of shape {shape} per code, but the model takes "
            f"{graph.input_shape}; use a generator whose output is the model's input."
        )
    return graph


def _normalized(direction: np.ndarray) -> np.ndarray:
    """Each image's direction divided by its root mean square (zero stays zero)."""
    rms = np.sqrt((direction.reshape(len(direction), -1) ** 2).mean(axis=1))
    scale = np.where(rms > 0, 1.0 / np.where(rms > 0, rms, 1.0), 0.0)
    return direction * scale.reshape(-1, *[1] * (direction.ndim - 1))


def _ascent(
    problem: _Problem,
    variable: np.ndarray,
    steps: int,
    step_size: float,
    normalize: bool,
    bounds: tuple[float, float] | None,
    rng: np.random.Generator,
    progress: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Projected gradient ascent; returns the variable, the traces and the start's gradient."""
    trace = np.empty((steps + 1, len(variable)))
    penalties = np.empty_like(trace)
    first_gradient = None
    with tqdm(total=steps, desc="maximize", disable=not progress, leave=False) as bar:
        for step in range(steps):
            trace[step], gradient = problem.activation(variable, rng)
            penalties[step], penalty_gradient = problem.penalty(variable)
            if first_gradient is None:
                first_gradient = gradient
            direction = gradient - penalty_gradient
            if normalize:
                direction = _normalized(direction)
            variable = variable + step_size * direction
            if bounds is not None:
                variable = np.clip(variable, *bounds)
            variable = problem.project(variable, step)
            bar.update()
            bar.set_postfix(f=f"{trace[step].mean():.4g}", refresh=False)
    trace[steps], last_gradient = problem.activation(variable)
    penalties[steps] = problem.penalty(variable)[0]
    return variable, trace, penalties, last_gradient if first_gradient is None else first_gradient


def _lbfgs(
    problem: _Problem, variable: np.ndarray, steps: int, progress: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """L-BFGS on the negated objective of the whole batch (its images do not interact)."""
    shape = variable.shape
    last: dict[str, Any] = {}

    def evaluate(flat: np.ndarray) -> dict[str, Any]:
        if "x" not in last or not np.array_equal(last["x"], flat):
            x = flat.reshape(shape)
            values, gradient = problem.activation(x)
            penalties, penalty_gradient = problem.penalty(x)
            last.update(
                x=flat.copy(),
                gradient=gradient,
                values=values,
                penalties=penalties,
                fun=-(values - penalties).sum(),
                grad=-(gradient - penalty_gradient).ravel(),
            )
        return last

    start = evaluate(variable.ravel().astype(np.float64))
    first_gradient = start["gradient"]
    gtol = LBFGS_TOLERANCE * max(1.0, float(np.abs(start["grad"]).max()))
    traces, penalty_traces = [start["values"]], [start["penalties"]]
    bar = tqdm(total=steps, desc="maximize (L-BFGS)", disable=not progress, leave=False)

    def record(iterate: Any) -> None:
        point = evaluate(iterate.x)
        traces.append(point["values"])
        penalty_traces.append(point["penalties"])
        bar.update()

    with bar:
        result = optim.lbfgs(
            lambda x: evaluate(x)["fun"],
            lambda x: evaluate(x)["grad"],
            variable.ravel().astype(np.float64),
            gtol=gtol,
            maxiter=steps,
            callback=record,
        )
    status = f"L-BFGS: {result.message}" if not result.success else ""
    return (
        result.x.reshape(shape),
        np.array(traces),
        np.array(penalty_traces),
        first_gradient,
        status,
    )


def maximize(
    model: Any,
    unit: Any,
    start: Any = None,
    *,
    steps: int = 200,
    step_size: float = 0.01,
    regularizers: list | tuple = (),
    generator: Any = None,
    bounds: tuple[float, float] | None = None,
    method: str = "ascent",
    normalize: bool = True,
    input_size: tuple[int, int] | None = None,
    seed: int = 0,
    progress: bool = True,
) -> MaximizeResult:
    r"""The input that maximises a unit: a class score, a feature map's mean or one neuron.

    Parameters
    ----------
    model
        A ``torch.nn.Module`` or a ``keras.Model``, run in inference mode.
    unit
        What to maximise:

        - ``c`` (an int): the logit of class ``c`` (before any final softmax);
        - ``(layer, channel)``: the mean of feature map ``channel`` of ``layer``;
        - ``(layer, channel, (row, column))``: one neuron of that map;
        - a list of these (all classes, or all in one layer): one per image of the batch.

        ``layer`` is a name or the layer object; its output must be a batch of feature maps.
    start
        ``None`` or ``"grey"`` (every pixel at the middle of ``bounds``, or 0 without them),
        ``"noise"`` (grey plus uniform noise of 10% of the range, seeded), or images in the
        model's layout and dtype, one (C, H, W) / (H, W, C) or a batch. With a generator:
        codes (N, d) or one code (d,) in its dtype; ``None`` is the zero code. One start is
        used for every unit, one unit for every start.
    steps
        Steps of the ascent, or the most iterations of L-BFGS.
    step_size
        :math:`\eta`: with ``normalize``, how far each pixel moves per step on average, in the
        model's input units; without, the factor of the gradient.
    regularizers
        Objects of :mod:`mnn.explain.regularizers`: penalties (``L2``, ``GaussianPrior``,
        ``TotalVariation``), transforms (``Jitter``) and projections (``Blur``).
    generator
        A model of the same framework that maps codes (N, d) to images the model takes (the
        decoder of an autoencoder): the codes are optimised, :math:`x = g(z)`.
    bounds
        (low, high): the model's input values for black and white. Every step is clipped to
        them, and they set the grey of the start. ``None``: no constraint.
    method
        ``"ascent"``: gradient ascent as above; ``"lbfgs"``: :func:`mnn.optim.lbfgs` on the
        negated objective, for smooth objectives (penalties only, no bounds), which stops when
        the gradient has fallen by :data:`LBFGS_TOLERANCE` or after ``steps`` iterations.
    normalize
        Scale each image's ascent direction to a root mean square of 1 (the course's step);
        ``False`` is plain gradient ascent, :math:`x \leftarrow x + \eta d`.
    input_size
        (H, W) for a grey or noise start on a PyTorch model, which does not declare its input
        size.
    seed
        Seeds the noise of the start and the random shifts of ``Jitter``.
    progress
        Show a progress bar.

    Returns
    -------
    MaximizeResult
        ``images`` (N, ...) in the model's layout, ``codes`` with a generator, the ``trace`` of
        the unit's activation per step, the ``penalty`` per step, and a ``note``.
    """
    backend = backend_of(model)
    check_choice(method, "method", METHODS)
    steps = check_positive_int(steps, "steps")
    step_size = check_positive_real(step_size, "step_size")
    regularizers = _check_regularizers(regularizers, method, generator)
    bounds = _check_bounds(bounds, method, generator)
    rng = np.random.default_rng(check_positive_int(seed, "seed", minimum=0))
    normalize, progress = check_bool(normalize, "normalize"), check_bool(progress, "progress")
    count = len(unit) if isinstance(unit, list) else 1
    if generator is not None:
        if backend_of(generator) is not backend:
            raise ValueError(
                "the generator and the model must be of one framework (both PyTorch or both Keras)."
            )
        generated = _Generator(generator, start, count)
        graph = _generated_graph(backend, model, generated)
        variable, what = generated.codes, "the given code(s)" if start is not None else "z = 0"
    else:
        generated = None
        graph, variable, what = _start_images(backend, model, start, count, bounds, input_size, rng)
    units = _units(graph, backend.layout, unit, len(variable))
    variable = np.repeat(variable, len(units.descriptions) // len(variable), axis=0)
    problem = _Problem(model, graph, units, generated, regularizers)
    variable = variable.astype(np.float64)
    status = ""
    if method == "ascent":
        variable, trace, penalty, first = _ascent(
            problem, variable, steps, step_size, normalize, bounds, rng, progress
        )
        how = f"{steps} steps of gradient ascent, " + (
            f"each moving pixels by {step_size:g} on average"
            if normalize
            else f"step {step_size:g}"
        )
    else:
        variable, trace, penalty, first, status = _lbfgs(problem, variable, steps, progress)
        how = f"L-BFGS, {len(trace) - 1} iterations"
    node = graph.nodes[units.node]
    parts = [
        f"maximised {units.descriptions[0]}"
        + (" (and others, one per image)" if len(set(units.descriptions)) > 1 else ""),
        f"from {what}" + (" through the generator" if generated else ""),
        how,
    ]
    if regularizers:
        parts.append("regularisers " + ", ".join(map(repr, regularizers)))
    if bounds is not None:
        parts.append(f"pixels kept in [{bounds[0]:g}, {bounds[1]:g}]")
    sentences = ["; ".join(parts) + "."]
    if units.note:
        sentences.append(units.note)
    stuck = np.flatnonzero(~np.any(first.reshape(len(first), -1) != 0, axis=1))
    if stuck.size:
        elsewhere = "another code" if generated else "noise or a photo"
        sentences.append(
            f"The unit's gradient was zero at the start for image(s) {stuck.tolist()}: the unit "
            "is inactive there (a ReLU below 0), so only the regularisers moved them; start "
            f"from {elsewhere}, or maximise the layer before the activation."
        )
        logger.warning("maximize: %s", sentences[-1])
    if status:
        sentences.append(status)
    images = problem.images(variable) if generated else variable
    return MaximizeResult(
        images=images.astype(backend.dtype(model)),
        codes=variable.astype(generated.dtype) if generated else None,
        trace=trace,
        penalty=penalty,
        units=units.descriptions,
        layer=node.name,
        note=" ".join(sentences),
    )
