"""The LRP attributor: a composite's rules as replacements of one run, and the relevance it gives.

:func:`plan` decides, for a model's graph, what every layer between the input and the class
scores computes during the run (its rule, in the detach-trick form of
:mod:`~mnn.explain.lrp.rules`, with BatchNorm folded where the composite's canonizers say);
:func:`lrp` runs it once and reads the relevance as Gradient x Input of the modified pass,
:math:`R = x \\nabla_x` plus, for an input rule, :math:`l \\nabla_l + h \\nabla_h` (or the
relevance of the constant input).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._validation import describe
from .. import _layers
from .._inputs import channel_axis, check_batch
from .._targets import parse_target
from ..backends import backend_of
from ..backends.base import LINEAR, Graph, Node, Objective, TensorOps, channels_first
from ._constants import FrozenArray
from .canonizers import PassOn, fold
from .composites import GRADIENT_KINDS, PRESETS, Composite, blocks, resolve
from .rules import Box, LinearLayer, Rule, Zero, check_ordered, pass_through

# Between the input and an input rule's layer, only nodes that pass values on unchanged or pad
# them with zeros.
_TO_INPUT = ("pad", "alias", "dropout")


@dataclass(frozen=True)
class RuleOnLinear:
    """A replacement: a convolution or dense layer computing its rule's modified pass.

    Attributes
    ----------
    rule
        The layer's rule.
    batch_norm
        The BatchNorm folded into the layer, if any.
    activate
        Whether to apply the layer's own activation (a Keras ``Conv2D(activation="relu")``),
        with the pass rule; not for the class scores, which are read before a softmax.
    box
        The constants of an input rule.
    """

    rule: Rule
    batch_norm: Node | None = None
    activate: bool = True
    box: Box | None = None

    def __call__(self, ops: TensorOps, node: Node, inputs: Sequence[Any], output: Any) -> Any:
        """The layer's output, with the rule's gradient."""
        x = inputs[0]
        parameters = ops.parameters(node)
        weight, bias = ops.stop_gradient(parameters.weight), ops.stop_gradient(parameters.bias)
        if self.batch_norm is not None:
            norm = ops.parameters(self.batch_norm)
            weight, bias = (ops.stop_gradient(t) for t in fold(weight, bias, norm))
            z = ops.normalize(self.batch_norm, output, norm)
        elif node.activation is not None:
            z = ops.linear(node, x, weight, bias)  # the layer's output is after its activation
        else:
            z = output
        out = self.rule.propagate(ops, LinearLayer(ops, node, weight, bias), x, z, self.box)
        if node.activation is None or not self.activate:
            return out
        return pass_through(ops, out, ops.activate(node, ops.stop_gradient(z)))


@dataclass(frozen=True)
class RuleOnElementwise:
    """A replacement: an elementwise layer (an activation) computing its rule's modified pass."""

    rule: Rule

    def __call__(self, ops: TensorOps, node: Node, inputs: Sequence[Any], output: Any) -> Any:
        """The layer's output, with the rule's gradient."""
        return self.rule.elementwise(ops, inputs[0], output)


@dataclass(frozen=True)
class InputRule:
    """Where an input rule reads the model's input: its layer, and where the input sits in that
    layer's input (zero padding around it).

    Attributes
    ----------
    node
        The layer with the input rule.
    source
        The node whose output the layer reads.
    offset
        (top, left): the rows and columns of zero padding before the input (negative: cropped).
    reads
        The box constants the rule reads, in the order their gradients come back.
    box
        Those constants, at the layer's input.
    """

    node: int
    source: int
    offset: tuple[int, int]
    reads: tuple[str, ...]
    box: Box


@dataclass(frozen=True)
class Plan:
    """How one model runs for LRP.

    Attributes
    ----------
    replace
        The replacements of the run.
    rules
        The rule of every node that has one.
    folded
        ``{linear node: batch_norm node}`` for the BatchNorm layers folded away.
    input_rule
        The layer with an input rule, if any.
    composite
        The composite the plan follows.
    """

    replace: dict[int, Any]
    rules: dict[int, Rule]
    folded: dict[int, int]
    input_rule: InputRule | None
    composite: Composite


def ancestors(graph: Graph, index: int) -> list[int]:
    """The nodes whose outputs ``index`` depends on, itself included, in execution order."""
    seen, stack = {index}, [index]
    while stack:
        for source in graph.nodes[stack.pop()].inputs:
            if source not in seen:
                seen.add(source)
                stack.append(source)
    return sorted(seen)


def _describe(node: Node) -> str:
    return f"{node.name!r} ({node.type_name}, kind {node.kind!r})"


def _missing_rule(node: Node, composite: Composite) -> ValueError:
    rule = (
        "rules.Epsilon()" if node.kind == "dense" else "rules.Gamma(0.25)"
        if node.kind in LINEAR else "rules.Pass()"
    )  # fmt: skip
    mapping = f"{{{node.name!r}: {rule}}}"
    if PRESETS.get(composite.name) is composite:
        how = (
            f"composite=mnn.explain.lrp.composites.preset({composite.name!r}).with_rules({mapping})"
        )
    elif composite.name == "custom":
        how = f"add {mapping} (or {{{node.kind!r}: {rule}}} for every such layer) to the mapping"
    else:
        how = f"composite.with_rules({mapping})"
    return ValueError(
        f"layer {_describe(node)} has no LRP rule in the composite {composite.name!r}, and LRP "
        f"needs one for every layer between the input and the class scores. Map it by name "
        f"or by kind, e.g. {how}."
    )


def _check_applies(rule: Rule, node: Node, graph: Graph) -> None:
    if rule.applies_to == "linear" and node.kind not in LINEAR:
        raise ValueError(
            f"{rule!r} is a rule for convolutions and dense layers; layer {_describe(node)} is "
            "not one. Elementwise layers take rules.Pass() or rules.Zero()."
        )
    if rule.applies_to == "elementwise":
        inputs = [graph.nodes[i].shape for i in node.inputs]
        if node.kind in LINEAR or inputs != [node.shape]:
            raise ValueError(
                f"{rule!r} is a rule for elementwise layers (one input, of the output's shape); "
                f"layer {_describe(node)} is not one."
            )


def _source(graph: Graph, node: Node) -> tuple[int, tuple[int, int]]:
    """The node the layer reads, and the offset of the input in it; checks that only zero
    padding and identities lie between the input and the layer."""
    source, top, left = node.inputs[0], 0, 0
    index = source
    while index != 0:
        between = graph.nodes[index]
        if between.kind not in _TO_INPUT or len(between.inputs) != 1:
            raise ValueError(
                f"layer {node.name!r} has an input rule (z^B, flat or w^2), which reads the box "
                f"of possible inputs, but it reads {_describe(between)}, not the model's input; "
                "give input rules to the first layer only (with zero padding at most between)."
            )
        if between.kind == "pad":
            top += between.geometry.padding[0]
            left += between.geometry.padding[1]
        index = between.inputs[0]
    return source, (top, left)


def _placed(values: np.ndarray, shape: tuple[int, ...], offset: tuple[int, int], layout: str):
    """One input's ``values`` (model layout) inside zeros of the layer input's ``shape`` (model
    layout), at ``offset``; inputs that are not images are the layer's input as they are."""
    if values.ndim < 3:
        return values
    values = channels_first(values, layout)
    target = np.zeros(channels_first(np.zeros(shape), layout).shape)
    top, left = offset
    _, height, width = values.shape
    rows = slice(max(0, -top), min(height, target.shape[1] - top))
    columns = slice(max(0, -left), min(width, target.shape[2] - left))
    target[:, rows.start + top : rows.stop + top, columns.start + left : columns.stop + left] = (
        values[:, rows, columns]
    )
    return _layout(target, layout)


def _layout(values: np.ndarray, layout: str) -> np.ndarray:
    return np.moveaxis(values, -3, -1) if layout == "NHWC" and values.ndim >= 3 else values


def check_bounds(bounds: Any, input_shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` as arrays of one input's shape, with ``low < high`` everywhere."""
    if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
        raise TypeError(
            f"bounds must be a pair (low, high) of the lowest and highest input values, got "
            f"{describe(bounds)}."
        )
    arrays = []
    for name, value in zip(("low", "high"), bounds, strict=True):
        if isinstance(value, bool) or not isinstance(
            value, (int, float, np.integer, np.floating, np.ndarray)
        ):
            raise TypeError(
                f"bounds' {name} must be a number or a NumPy array, got {describe(value)}."
            )
        array = np.asarray(value, dtype=np.float64)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"bounds' {name} must be finite.")
        try:
            arrays.append(np.broadcast_to(array, input_shape).astype(np.float64))
        except ValueError:
            raise ValueError(
                f"bounds' {name} has shape {array.shape}, which does not broadcast to one input "
                f"of shape {input_shape} (the model's layout)."
            ) from None
    low, high = arrays
    check_ordered(
        low,
        high,
        "bounds must have",
        "input index",
        "bounds are (lowest, highest) input values, e.g. what pixels 0 and 255 become after "
        "preprocessing",
    )
    return low, high


def _input_rule(
    graph: Graph, index: int, rule: Rule, bounds: Any, layout: str
) -> tuple[InputRule, Box]:
    node = graph.nodes[index]
    source, offset = _source(graph, node)
    shape = graph.nodes[source].shape
    input_shape = graph.input_shape

    def placed(values: np.ndarray) -> FrozenArray:
        return FrozenArray(_placed(values, shape, offset, layout))

    support = placed(np.ones(input_shape))
    low = high = None
    if "low" in rule.reads:
        if rule.low is not None:
            pair = (rule.low.array, rule.high.array)
        elif bounds is None:
            raise ValueError(
                f"layer {node.name!r} has the z^B rule, which needs the lowest and highest input "
                "values: pass bounds=(low, high) in the model's input units, e.g. for the "
                "ImageNet models of mnn.models, whose inputs are (pixel - 127) / 128, "
                "bounds=(-127 / 128, 128 / 128)."
            )
        else:
            pair = bounds
        low, high = (placed(array) for array in check_bounds(pair, input_shape))
    box = Box(support=support, low=low, high=high)
    return InputRule(index, source, offset, rule.reads, box), box


def plan(graph: Graph, score: int, composite: Any, bounds: Any, layout: str) -> Plan:
    """The replacements that make one run of the model compute LRP with ``composite``.

    Parameters
    ----------
    graph
        The model's graph.
    score
        The node of the class scores.
    composite
        A preset's name, a :class:`~mnn.explain.lrp.composites.Composite` or a mapping.
    bounds
        ``(low, high)`` for :math:`z^\\mathcal{B}` rules without bounds of their own, or ``None``.
    layout
        The model's layout.

    Returns
    -------
    Plan
    """
    composite = resolve(composite, graph)
    nodes = ancestors(graph, score)
    unknown = set(composite.names) - {graph.nodes[i].name for i in nodes}
    if unknown:
        name = sorted(unknown)[0]
        raise ValueError(
            f"the composite {composite.name!r} has a rule for the layer {name!r}, which is not "
            "between this model's input and its class scores."
        )
    folded: dict[int, int] = {}
    for canonizer in composite.canonizers:
        pairs = canonizer.pairs(graph)
        folded.update({k: v for k, v in pairs.items() if k in nodes and v in nodes})
    first = next((i for i in nodes if graph.nodes[i].kind in composite.first_kinds), None)
    depth = blocks(graph, nodes)
    replace: dict[int, Any] = {}
    rules: dict[int, Rule] = {}
    input_rule = None
    for index in nodes:
        node = graph.nodes[index]
        if index in folded.values():
            replace[index] = PassOn()
            continue
        rule = composite.rule(node, index == first, depth[index])
        if rule is None:
            if node.kind in GRADIENT_KINDS:
                continue
            raise _missing_rule(node, composite)
        _check_applies(rule, node, graph)
        rules[index] = rule
        if node.kind not in LINEAR:
            if rule.applies_to == "elementwise":
                replace[index] = RuleOnElementwise(rule)
            continue
        box = None
        if rule.reads:
            if input_rule is not None:
                raise ValueError(
                    f"layers {graph.nodes[input_rule.node].name!r} and {node.name!r} both have "
                    "input rules (z^B, flat or w^2); give one to the first layer only."
                )
            input_rule, box = _input_rule(graph, index, rule, bounds, layout)
        batch_norm = graph.nodes[folded[index]] if index in folded else None
        if isinstance(rule, Zero) and batch_norm is None and node.activation is None:
            continue  # the layer as it is
        replace[index] = RuleOnLinear(rule, batch_norm, activate=index != score, box=box)
    if score not in replace and graph.nodes[score].softmax:
        replace[score] = _layers.PreActivation()
    return Plan(replace, rules, folded, input_rule, composite)


@dataclass(frozen=True)
class LrpResult:
    """Relevance of a batch's inputs for their classes, and how it was computed.

    Attributes
    ----------
    relevance
        float64, the input's shape (N, ...) in the model's layout, or (N, k, ...) for
        ``target=("top", k)``. It sums to about the class score: exactly for LRP-0 on a network
        without biases, less what biases and stabilisers absorb otherwise.
    heatmaps
        (N, H, W) or (N, k, H, W): the relevance summed over the channels; ``None`` for inputs
        that are not images.
    classes
        (N,) or (N, k): the explained classes.
    scores
        Same shape: their logits (the relevance the explanation starts from).
    rules
        The rule of each layer that has one, by layer name.
    layers
        The relevance of the outputs of the layers asked for (``layers=``), by name, each
        (N, ...) or (N, k, ...).
    note
        The composite, how many layers got which rule, what was folded, in words.
    """

    relevance: np.ndarray
    heatmaps: np.ndarray | None
    classes: np.ndarray
    scores: np.ndarray
    rules: dict[str, Rule]
    layers: dict[str, np.ndarray]
    note: str


def _note(graph: Graph, found: Plan, score_note: str) -> str:
    groups: dict[str, list[str]] = {}
    for index, rule in found.rules.items():
        groups.setdefault(repr(rule), []).append(graph.nodes[index].name)
    parts = []
    for rule, names in groups.items():
        where = ", ".join(repr(n) for n in names) if len(names) <= 2 else f"{len(names)} layers"
        parts.append(f"{rule} on {where}")
    text = f"composite {found.composite.name!r}: " + "; ".join(parts)
    if found.folded:
        text += f"; {len(found.folded)} BatchNorm layers folded into the layer before them"
    return f"{text}. {score_note}".strip()


def _check_inside(images: np.ndarray, box: Box, found: InputRule, layout: str) -> None:
    """Refuse images outside the z^B box: the bounds are then not the input's range."""
    if box.low is None:
        return
    crop = _crop(np.stack([box.low.array, box.high.array]), found, images.shape[1:], layout)
    low, high = crop
    slack = 1e-6 * max(1.0, float(np.abs(crop).max()))
    if np.any(images < low - slack) or np.any(images > high + slack):
        raise ValueError(
            f"the images have values from {images.min():.4g} to {images.max():.4g}, outside the "
            f"z^B bounds (from {low.min():.4g} to {high.max():.4g}): the bounds must be the "
            "lowest and highest values the input can take, in the model's input units (after "
            "preprocessing)."
        )


def _crop(values: np.ndarray, found: InputRule, input_shape: tuple[int, ...], layout: str):
    """(..., layer input shape) values at the layer's input -> (..., input_shape): the part
    that is the model's input."""
    if len(input_shape) < 3:
        return values
    first = channels_first(values, layout)
    height, width = channels_first(np.zeros(input_shape), layout).shape[-2:]
    top, left = found.offset
    padded = np.zeros((*first.shape[:-2], height, width))
    rows = slice(max(0, top), min(first.shape[-2], top + height))
    columns = slice(max(0, left), min(first.shape[-1], left + width))
    padded[..., rows.start - top : rows.stop - top, columns.start - left : columns.stop - left] = (
        first[..., rows, columns]
    )
    return _layout(padded, layout)


def propagate(
    model: Any,
    graph: Graph,
    images: np.ndarray,
    objective: Objective,
    found: Plan,
    layers: Sequence[int] = (),
) -> tuple[np.ndarray, Any]:
    """One run of the plan: the relevance of the inputs for each objective, and the run.

    Parameters
    ----------
    model, graph, images
        The model, its graph, a checked batch.
    objective
        What to explain; its value is the relevance that is propagated (a class score, or
        any weighted sum of a node's outputs: relevance ``w * z`` at that node).
    found
        The :class:`Plan`.
    layers
        Nodes whose outputs and gradients the run keeps (``output * gradient`` is their
        relevance).

    Returns
    -------
    (relevance, run)
        (k, N, ...) relevance of the inputs, and the backend's :class:`Run`.
    """
    backend = backend_of(model)
    input_rule = found.input_rule
    if input_rule is not None:
        _check_inside(images, input_rule.box, input_rule, backend.layout)
    checked = (input_rule.source,) if input_rule is not None and input_rule.source != 0 else ()
    run = backend.run(
        model,
        graph,
        images,
        objective=objective,
        keep=(*layers, *checked),
        wrt=(0, *layers),
        replace=found.replace,
    )
    relevance = images.astype(np.float64) * run.gradients[0]
    if input_rule is not None:
        if checked:
            _check_padding(graph, run.outputs[checked[0]], images, input_rule, backend.layout)
        for name, gradient in zip(input_rule.reads, run.leaves, strict=True):
            constant = getattr(input_rule.box, name).array
            shares = _crop(constant * gradient, input_rule, images.shape[1:], backend.layout)
            relevance = relevance + shares
    return relevance, run


def lrp(
    model: Any,
    images: Any,
    target: Any = "top",
    composite: Any = "epsilon_gamma_box",
    bounds: Any = None,
    layers: Sequence[Any] = (),
) -> LrpResult:
    """Layer-wise Relevance Propagation: the relevance of every input for a class score.

    One forward pass in which every layer computes its rule's modified pass (the detach trick,
    :mod:`mnn.explain.lrp.rules`), and one gradient: the relevance is Gradient x Input of that
    pass, seeded with the class score (the logit, before any softmax). The model is run in
    inference mode and never changed (BatchNorm folding is part of the run).

    Parameters
    ----------
    model
        A ``torch.nn.Module`` or a ``keras.Model`` classifier.
    images
        (N, C, H, W) for PyTorch or (N, H, W, C) for Keras (or any (N, ...) batch the model
        takes), in the model's dtype.
    target
        A class index, a list of one class per image, ``"top"`` or ``("top", k)``.
    composite
        Which rule each layer gets: a preset's name (:data:`~mnn.explain.lrp.composites.PRESETS`:
        ``"epsilon_gamma_box"``, ``"epsilon_plus_flat"``, ``"course"``, ...), a
        :class:`~mnn.explain.lrp.composites.Composite`, or a mapping from layer names and kinds
        to rules such as ``{"conv": rules.Gamma(0.25), "dense": rules.Epsilon()}``.
    bounds
        ``(low, high)``, the lowest and highest input values (numbers, or arrays that broadcast
        to one input in the model's layout), in the model's input units: what pixels 0 and 255
        become after preprocessing. Needed by the :math:`z^\\mathcal{B}` rule of
        ``"epsilon_gamma_box"`` and ``"course"``.
    layers
        Layers (names or objects) whose outputs' relevance to return in ``result.layers``, to
        check conservation layer by layer.

    Returns
    -------
    LrpResult

    The functions of :mod:`mnn.explain.lrp` are reachable from this function too:
    ``mnn.explain.lrp.rules``, ``mnn.explain.lrp.composites``, ``mnn.explain.lrp.canonizers``.
    """
    backend = backend_of(model)
    images = check_batch(images, backend.layout, backend.dtype(model))
    targets = parse_target(target, len(images))
    graph = backend.graph(model, images.shape[1:])
    score, score_note, _ = _layers.logits(graph)
    targets.check(graph.nodes[score].shape[-1])
    if bounds is not None:  # checked even where no rule reads them: a typo is not ignored
        check_bounds(bounds, graph.input_shape)
    found = plan(graph, score, composite, bounds, backend.layout)
    if not isinstance(layers, (list, tuple)):
        raise TypeError(
            f"layers must be a list of layer names or objects, got {describe(layers)}; for one "
            "layer pass [layer]."
        )
    chosen = [_layers.find_layer(graph, layer, maps=False) for layer in layers]
    objective = Objective(score, classes=targets.classes, top=targets.top)
    relevance, run = propagate(model, graph, images, objective, found, chosen)

    def per_image(values: np.ndarray) -> np.ndarray:
        values = np.moveaxis(values, 0, 1)
        return values if targets.ranked else values[:, 0]

    relevance = per_image(relevance)
    maps = relevance.sum(axis=channel_axis(backend.layout)) if images.ndim == 4 else None
    layer_relevance = {
        graph.nodes[i].name: per_image(run.outputs[i].astype(np.float64) * run.gradients[i])
        for i in chosen
    }
    return LrpResult(
        relevance=relevance,
        heatmaps=maps,
        classes=per_image(run.classes.T),
        scores=per_image(run.values.T),
        rules={graph.nodes[i].name: rule for i, rule in found.rules.items()},
        layers=layer_relevance,
        note=_note(graph, found, score_note),
    )


def _check_padding(
    graph: Graph, read: np.ndarray, images: np.ndarray, found: InputRule, layout: str
) -> None:
    """The layer with the input rule must read the images, with zeros around them at most."""
    inside = _crop(read, found, images.shape[1:], layout)
    padding = read * (1 - found.box.support.array)
    if np.any(padding != 0) or not np.allclose(inside, images, rtol=1e-6, atol=1e-6):
        raise ValueError(
            f"layer {graph.nodes[found.node].name!r} has an input rule but reads "
            f"{graph.nodes[found.source].name!r}, which is not the input with zeros around it "
            "(reflection or constant padding?); input rules need zero padding at most."
        )
