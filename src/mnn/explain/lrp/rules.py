r"""LRP rules: how the relevance of a layer's outputs is shared among its inputs.

A rule is a small frozen dataclass. It is written once, for both frameworks, as a *modified
forward pass* (the detach trick): in a layer with input :math:`a`, output
:math:`z_k = \sum_j a_j w_{jk} + b_k` and the rule's own pre-activation :math:`p_k`, the layer
outputs

.. math::

    z \;\leftarrow\; [z]_{\mathrm{cst}} + \Big[\frac{z}{\mathrm{stab}(p)}\Big]_{\mathrm{cst}}
    \big(p - [p]_{\mathrm{cst}}\big),

whose value is :math:`z` and whose gradient is that of :math:`p` scaled by :math:`z/p`
(:math:`[\cdot]_{\mathrm{cst}}` stops the gradient). If the relevance of an output is
:math:`R_k = z_k\, \partial f / \partial z_k`, the relevance of an input is Gradient x Input,

.. math::

    R_j = a_j \frac{\partial f}{\partial a_j}
        = \sum_k \frac{a_j\, \partial p_k / \partial a_j}{\mathrm{stab}(p_k)}\, R_k ,

so one forward pass with every layer modified, and one gradient, give LRP for the whole network
(seeded with the class score itself: the relevances sum to the logit, up to what biases and
stabilisers absorb). :math:`\mathrm{stab}(p) = p + \epsilon\,\mathrm{sign}(p)` with
:math:`\mathrm{sign}(0) = 1`. Writing :math:`w^+ = \max(w, 0)`, :math:`w^- = \min(w, 0)`, and
likewise :math:`a^\pm`, the rules are:

- :class:`Zero` (LRP-0): :math:`p = z`, the plain gradient.
- :class:`Epsilon`: :math:`R_j = \sum_k a_j w_{jk} / (z_k + \epsilon\,\mathrm{sign}(z_k))\, R_k`.
- :class:`Gamma` (generalised, as Zennit's): for :math:`z_k > 0`,
  :math:`p_k = \sum_j a^+_j (w_{jk} + \gamma w^+_{jk}) + a^-_j (w_{jk} + \gamma w^-_{jk}) + b_k +
  \gamma b^+_k` (the positive contributions amplified); for :math:`z_k < 0` the same with
  :math:`w^+` and :math:`w^-` swapped (the negative ones). On non-negative inputs (after a ReLU)
  and :math:`z_k > 0` this is the course's :math:`\rho(w) = w + \gamma w^+`.
- :class:`AlphaBeta`: :math:`R_j = \sum_k \big(\alpha \frac{(a_j w_{jk})^+}{\sum_j (a_j
  w_{jk})^+ + b^+_k} - \beta \frac{(a_j w_{jk})^-}{\sum_j (a_j w_{jk})^- + b^-_k}\big) R_k`,
  :math:`\alpha - \beta = 1`; ``AlphaBeta(1, 0)`` is :math:`z^+`.
- :class:`ZBox` (:math:`z^\mathcal{B}`, for the pixel layer): with the lowest and highest input
  values :math:`l \le a \le h`, :math:`p_k = \sum_j a_j w_{jk} - l_j w^+_{jk} - h_j w^-_{jk}`,
  and :math:`R = a \nabla_a + l \nabla_l + h \nabla_h` (the bounds are inputs of the modified
  pass too).
- :class:`Flat`: every input in a unit's window gets the same share,
  :math:`R_j = \sum_k R_k / n_k`; :class:`WSquare`: shares :math:`w_{jk}^2 / \sum_j w_{jk}^2`.
  Neither depends on the input's values, so their relevance is read on a constant input of ones.
- :class:`Pass` for elementwise layers (activations): :math:`R_{\text{in}} = R_{\text{out}}`,
  by :math:`a = z\,[a/z]_{\mathrm{cst}}`. For a ReLU this is its gradient; for a ReLU6 it keeps
  the relevance of saturated units (:math:`z > 6`), which the gradient would drop.

:class:`ZBox`, :class:`Flat` and :class:`WSquare` are *input rules*: they read the box of
possible inputs (or a constant input), so they apply to a layer that reads the model's input,
through zero padding at most. Where the formulas differ from Zennit's: Zennit's ``ZBox``
subtracts the bias in its denominator (:math:`z - b` where the course and the papers have the
bias-free :math:`\sum_j a_j w_{jk} - l_j w^+_{jk} - h_j w^-_{jk}`), and its ``WSquare`` adds the
squared bias to the denominator; here both follow Montavon et al. (2017, 2019).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..._validation import check_array, check_positive_real, check_scalar, describe
from ..backends.base import Node, TensorOps
from ._constants import FrozenArray


@dataclass
class LinearLayer:
    """A convolution or dense layer during a run: its parameters (constants, canonical layout,
    BatchNorm folded in where a canonizer says so) and its linear map."""

    ops: TensorOps
    node: Node
    weight: Any
    bias: Any

    def __call__(self, x: Any, weight: Any, bias: Any) -> Any:
        """The layer's convolution or dense map with ``weight`` and ``bias``."""
        return self.ops.linear(self.node, x, weight, bias)

    def magnitudes(self, x: Any) -> Any:
        r""":math:`Q = |W|\,|a| + 2 b^+ - b`, so that the positive parts of the terms of
        :math:`z`, :math:`P_k = \sum_j (a_j w_{jk})^+ + b^+_k`, are :math:`\tfrac12 (z + Q)` and
        the negative parts :math:`\tfrac12 (z - Q)`.

        A term is positive when input and weight have the same sign:
        :math:`(a w)^+ = \tfrac12 (a w + |a|\,|w|)`. One extra convolution, differentiable in
        :math:`a`, instead of two (:math:`W^+ a^+ + W^- a^-`). :math:`|a|` is
        :math:`a\,[\mathrm{sign}(a)]_{\mathrm{cst}}`, whose gradient is one product.
        """
        ops = self.ops
        bias = 2 * ops.clip(self.bias, 0.0, None) - self.bias
        return self(x * ops.stop_gradient(ops.sign(x)), self.weight * ops.sign(self.weight), bias)

    def contributions(self, x: Any, sign: float) -> Any:
        r"""The positive (``sign`` = 1) or negative (-1) parts of the terms of :math:`z`,
        :math:`\sum_j (a_j w_{jk})^\pm + b^\pm_k`, each summed on its own: two convolutions,
        without the cancellation of :meth:`magnitudes` where the part is small."""
        ops = self.ops

        def part(values: Any, positive: bool) -> Any:
            return ops.clip(values, 0.0, None) if positive else ops.clip(values, None, 0.0)

        same = sign > 0
        return self(part(x, True), part(self.weight, same), part(self.bias, same)) + self(
            part(x, False), part(self.weight, not same), self.bias * 0
        )


@dataclass(frozen=True)
class Box:
    """The constants an input rule reads, each of one input's shape at its layer's input (in the
    model's layout, zero padding included).

    Attributes
    ----------
    low, high
        The lowest and highest input values (``None`` where the rule needs no bounds).
    support
        1 where the layer reads a real input, 0 where it reads zero padding.
    """

    support: FrozenArray
    low: FrozenArray | None = None
    high: FrozenArray | None = None


def stabilize(ops: TensorOps, p: Any, epsilon: float) -> Any:
    r""":math:`p + \epsilon\,\mathrm{sign}(p)`, with :math:`\mathrm{sign}(0) = 1`."""
    # Adding the number to the tensor keeps the tensor's dtype (a where() of two numbers would
    # be float32 in PyTorch).
    return ops.where(p >= 0, p + epsilon, p - epsilon)


def route(ops: TensorOps, z: Any, share: Any, p: Any) -> Any:
    r""":math:`[z]_{\mathrm{cst}} + [s]_{\mathrm{cst}} (p - [p]_{\mathrm{cst}})`: the value of
    :math:`z`, the gradient of :math:`p` times the share :math:`s`."""
    return ops.stop_gradient(z) + ops.stop_gradient(share) * (p - ops.stop_gradient(p))


def pass_through(ops: TensorOps, z: Any, a: Any) -> Any:
    r"""An elementwise :math:`a = \phi(z)` that hands its relevance on unchanged:
    :math:`[a]_{\mathrm{cst}} + [a/z]_{\mathrm{cst}} (z - [z]_{\mathrm{cst}})`. Where
    :math:`z = 0` the ratio is immaterial (the input's relevance :math:`z \partial f/\partial z`
    is 0); it is taken as :math:`a`."""
    constant = ops.stop_gradient(z)
    sign = ops.sign(constant)
    # z where z != 0, else 1: arithmetic, since PyTorch's where() on a CPU is ten times slower.
    # 1 - sign^2 is exactly 0 or 1, so z is kept exactly ((z + 1) - 1 would round a small z to 0).
    share = ops.stop_gradient(a) / (constant + (1 - sign * sign))
    return route(ops, a, share, z)


class Rule:
    """What every rule has: where it applies, and how many constant inputs it reads."""

    #: ``"linear"`` (convolutions, depthwise convolutions, dense layers), ``"elementwise"``
    #: (one input, same shape out) or ``"any"``.
    applies_to: ClassVar[str] = "linear"
    #: The box constants it reads as extra inputs of the modified pass, in order
    #: (:class:`Box` attributes); empty for rules that read only the layer's input.
    reads: ClassVar[tuple[str, ...]] = ()

    def propagate(self, ops: TensorOps, layer: LinearLayer, x: Any, z: Any, box: Box | None) -> Any:
        """The layer's modified output: the value ``z``, the rule's gradient.

        Parameters
        ----------
        ops
            The framework's operations.
        layer
            The layer, with its parameters.
        x
            The layer's input (N, ...), model layout.
        z
            The layer's output before any activation (N, ...), differentiable with respect to
            ``x`` through the layer's own map.
        box
            The constants of an input rule, else ``None``.
        """
        raise TypeError(f"{self!r} is not a rule for convolutions and dense layers.")

    def elementwise(self, ops: TensorOps, z: Any, a: Any) -> Any:
        """An elementwise layer's modified output: the value ``a``, the rule's gradient.

        Parameters
        ----------
        ops
            The framework's operations.
        z
            The layer's input (N, ...).
        a
            Its output, of the same shape.
        """
        raise TypeError(f"{self!r} is not a rule for elementwise layers.")


@dataclass(frozen=True)
class Zero(Rule):
    """LRP-0: :math:`R_j = \\sum_k a_j w_{jk} / z_k\\, R_k`, the plain gradient times the input.
    Applies to any layer (on layers without a rule of their own it is what the gradient does)."""

    applies_to: ClassVar[str] = "any"

    def propagate(self, ops: TensorOps, layer: LinearLayer, x: Any, z: Any, box: Box | None) -> Any:
        """``z`` itself."""
        return z

    def elementwise(self, ops: TensorOps, z: Any, a: Any) -> Any:
        """``a`` itself."""
        return a


def _check_stabilizer(value: float, name: str) -> None:
    check_positive_real(value, name, allow_zero=True)


@dataclass(frozen=True)
class Epsilon(Rule):
    """LRP-ε: relevance shared in proportion to the contributions, the denominator pushed away from
    zero by ``epsilon`` (which absorbs the relevance of weak, contradictory outputs)."""

    epsilon: float = 1e-6

    def __post_init__(self) -> None:
        _check_stabilizer(self.epsilon, "epsilon")

    def propagate(self, ops: TensorOps, layer: LinearLayer, x: Any, z: Any, box: Box | None) -> Any:
        """Gradient of ``z`` times ``z / stab(z)``."""
        constant = ops.stop_gradient(z)
        return route(ops, z, constant / stabilize(ops, constant, self.epsilon), z)


@dataclass(frozen=True)
class Gamma(Rule):
    """LRP-gamma: the positive contributions to a positive output (the negative ones to a negative
    output) amplified by ``1 + gamma``; Zennit's generalised rule (default ``gamma = 0.25``)."""

    gamma: float = 0.25
    stabilizer: float = 1e-6

    def __post_init__(self) -> None:
        check_positive_real(self.gamma, "gamma", allow_zero=True)
        _check_stabilizer(self.stabilizer, "stabilizer")

    def propagate(self, ops: TensorOps, layer: LinearLayer, x: Any, z: Any, box: Box | None) -> Any:
        """:math:`p = z + \\gamma P` where :math:`z > 0` and :math:`p = z + \\gamma (z - P)`
        elsewhere, :math:`P` the positive contributions (bias included)."""
        # With P = (z + Q) / 2 (LinearLayer.magnitudes), p = (1 + gamma/2) z + s gamma Q/2,
        # s = 1 where z > 0 and -1 elsewhere: a constant, so the pass has no differentiable
        # where() (each costs two more in the gradient).
        constant = ops.stop_gradient(z)
        sign = ops.sign(constant)
        s = sign + sign * sign - 1  # 1 where z > 0, else -1 (arithmetic: a where() is slow)
        p = (1 + self.gamma / 2) * z + (self.gamma / 2) * (s * layer.magnitudes(x))
        # p has the sign of z wherever z != 0 (|p| >= |z|), so s stabilises it as sign(p)
        # would; where z = 0 the share is 0 either way.
        return route(ops, z, constant / (ops.stop_gradient(p) + self.stabilizer * s), p)


@dataclass(frozen=True)
class AlphaBeta(Rule):
    """LRP-alpha-beta: positive contributions weighted by ``alpha``, negative ones by ``beta``,
    each normalised on its own; ``alpha - beta = 1`` keeps the total. ``AlphaBeta(1, 0)`` is the
    :math:`z^+` rule."""

    alpha: float = 2.0
    beta: float = 1.0
    stabilizer: float = 1e-6

    def __post_init__(self) -> None:
        check_positive_real(self.alpha, "alpha", allow_zero=True)
        check_positive_real(self.beta, "beta", allow_zero=True)
        _check_stabilizer(self.stabilizer, "stabilizer")
        if not np.isclose(self.alpha - self.beta, 1.0, rtol=0, atol=1e-12):
            raise ValueError(
                f"AlphaBeta needs alpha - beta = 1 (so that relevance is conserved), got alpha = "
                f"{self.alpha} and beta = {self.beta}; e.g. AlphaBeta(2, 1) or AlphaBeta(1, 0)."
            )

    def propagate(self, ops: TensorOps, layer: LinearLayer, x: Any, z: Any, box: Box | None) -> Any:
        """``alpha`` times the positive contributions' share minus ``beta`` times the negative's."""
        constant = ops.stop_gradient(z)

        def part(weight: float, p: Any) -> Any:
            share = weight * constant / stabilize(ops, ops.stop_gradient(p), self.stabilizer)
            return ops.stop_gradient(share) * (p - ops.stop_gradient(p))

        out = constant + part(self.alpha, layer.contributions(x, 1.0))
        return out - part(self.beta, layer.contributions(x, -1.0)) if self.beta else out


def check_ordered(low: np.ndarray, high: np.ndarray, who: str, index: str, hint: str) -> None:
    """Raise unless ``low < high`` everywhere (arrays of one shape); the message starts with
    ``who``, names the first crossing by ``index`` and ends with ``hint``."""
    crossed = low >= high
    if crossed.any():
        at = tuple(int(i) for i in np.argwhere(crossed)[0])  # () for 0-d bounds
        where = f" at {index} {at}" if at else ""
        raise ValueError(
            f"{who} low < high everywhere, got low = {low[at]:g} >= high = {high[at]:g}{where}; "
            f"{hint}."
        )


def _bound(value: Any, name: str) -> FrozenArray | None:
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        check_array(value, name, dtype_kind="fiu", finite=True)
    elif isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real)):
        raise TypeError(f"{name} must be a number or a NumPy array, got {describe(value)}.")
    else:
        check_scalar(value, name)
    return FrozenArray(value)


@dataclass(frozen=True)
class ZBox(Rule):
    """The :math:`z^\\mathcal{B}` rule of the pixel layer: relevance shared between the input and
    the box :math:`[l, h]` of possible inputs, :math:`R = a \\nabla_a + l \\nabla_l + h \\nabla_h`.

    ``low`` and ``high`` (numbers, or arrays broadcastable to one input in the model's layout and
    input units) may be left out: :func:`mnn.explain.lrp` then takes them from its ``bounds``.
    """

    low: Any = None
    high: Any = None
    stabilizer: float = 1e-6
    reads: ClassVar[tuple[str, ...]] = ("low", "high")

    def __post_init__(self) -> None:
        _check_stabilizer(self.stabilizer, "stabilizer")
        if (self.low is None) != (self.high is None):
            raise ValueError("ZBox needs both low and high, or neither (then lrp's bounds apply).")
        object.__setattr__(self, "low", _bound(self.low, "low"))
        object.__setattr__(self, "high", _bound(self.high, "high"))
        if self.low is not None:
            try:
                low, high = np.broadcast_arrays(self.low.array, self.high.array)
            except ValueError:
                raise ValueError(
                    f"ZBox's low {self.low.array.shape} and high {self.high.array.shape} do not "
                    "broadcast together."
                ) from None
            check_ordered(
                low, high, "ZBox needs", "index", "they are the lowest and highest input values"
            )

    def propagate(self, ops: TensorOps, layer: LinearLayer, x: Any, z: Any, box: Box | None) -> Any:
        """:math:`p = z - (w^+ l + w^- h + b)`, with the bounds as extra inputs."""
        low = ops.leaf(ops.broadcast_to(ops.constant(box.low.array), x))
        high = ops.leaf(ops.broadcast_to(ops.constant(box.high.array), x))
        weight, bias = layer.weight, layer.bias
        bounds = layer(low, ops.clip(weight, 0.0, None), ops.clip(bias, 0.0, None)) + layer(
            high, ops.clip(weight, None, 0.0), ops.clip(bias, None, 0.0)
        )
        p = z - bounds
        constant = ops.stop_gradient(z)
        return route(ops, z, constant / stabilize(ops, ops.stop_gradient(p), self.stabilizer), p)


@dataclass(frozen=True)
class Flat(Rule):
    """LRP-flat: every input in a unit's window gets the same share of the unit's relevance
    (Lapuschkin et al. 2019), whatever its value or weight."""

    stabilizer: float = 1e-6
    reads: ClassVar[tuple[str, ...]] = ("support",)

    def __post_init__(self) -> None:
        _check_stabilizer(self.stabilizer, "stabilizer")

    def propagate(self, ops: TensorOps, layer: LinearLayer, x: Any, z: Any, box: Box | None) -> Any:
        """:math:`p = \\mathbf 1^\\top u` over the window, ``u`` the support."""
        return _constant_input(ops, layer, x, z, box, layer.weight * 0 + 1.0, self.stabilizer)


@dataclass(frozen=True)
class WSquare(Rule):
    """LRP-:math:`w^2`: shares :math:`w_{jk}^2 / \\sum_j w_{jk}^2`, whatever the input's values
    (Montavon et al. 2017), for a first layer with unbounded inputs."""

    stabilizer: float = 1e-6
    reads: ClassVar[tuple[str, ...]] = ("support",)

    def __post_init__(self) -> None:
        _check_stabilizer(self.stabilizer, "stabilizer")

    def propagate(self, ops: TensorOps, layer: LinearLayer, x: Any, z: Any, box: Box | None) -> Any:
        """:math:`p = (w^2)^\\top u`, ``u`` the support."""
        return _constant_input(ops, layer, x, z, box, layer.weight * layer.weight, self.stabilizer)


def _constant_input(
    ops: TensorOps, layer: LinearLayer, x: Any, z: Any, box: Box, weight: Any, stabilizer: float
) -> Any:
    """The detach trick with :math:`p` the layer applied, with ``weight`` and no bias, to the
    support (ones on real inputs): the relevance lands on the support, not on the input."""
    support = ops.leaf(ops.broadcast_to(ops.constant(box.support.array), x))
    p = layer(support, weight, layer.bias * 0)
    constant = ops.stop_gradient(z)
    return route(ops, z, constant / stabilize(ops, ops.stop_gradient(p), stabilizer), p)


@dataclass(frozen=True)
class Pass(Rule):
    """Pass-through for elementwise layers (activations, an unfolded BatchNorm): the output's
    relevance goes to the input unchanged."""

    applies_to: ClassVar[str] = "elementwise"

    def elementwise(self, ops: TensorOps, z: Any, a: Any) -> Any:
        """See :func:`pass_through`."""
        return pass_through(ops, z, a)


#: Every rule, by name, for messages and the book.
RULES = (Zero, Epsilon, Gamma, AlphaBeta, ZBox, Flat, WSquare, Pass)

__all__ = [
    "RULES",
    "AlphaBeta",
    "Box",
    "Epsilon",
    "Flat",
    "Gamma",
    "LinearLayer",
    "Pass",
    "Rule",
    "WSquare",
    "ZBox",
    "Zero",
]
