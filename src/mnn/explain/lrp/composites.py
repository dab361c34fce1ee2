"""Composites: which LRP rule each layer of a model gets.

A :class:`Composite` is data: rules by layer kind, by layer name, for the first layer, and for
the convolutions by depth (block), plus the canonizers to apply first. :data:`PRESETS` holds the
named ones; :func:`resolve` turns what :func:`mnn.explain.lrp` accepts (a preset's name, a
composite, or a mapping from layer names and kinds to rules) into a composite.

Layers that need no rule, whatever the composite (the gradient of the modified pass already
shares their relevance as LRP does):

- ``add``, ``concat``: a sum hands each term the share :math:`x_i / z` of the relevance, as
  LRP-0 (and Zennit's ``Norm``) does; a concatenation hands each part its own;
- ``avg_pool``, ``global_average_pool``: LRP-0 of a map with equal positive weights, shares in
  proportion to the inputs; ``max_pool``: all of a window's relevance to its maximum
  (winner-take-all, as Zennit);
- ``pad``, ``alias``, ``dropout`` (the identity at inference), ``flatten``, ``permute``: they move
  values, and relevance moves with them.

Default rules, unless the composite says otherwise: ``activation`` (ReLU, ReLU6, ...) gets
:class:`~mnn.explain.lrp.rules.Pass`; a ``batch_norm`` is folded into the layer before it by
:class:`~mnn.explain.lrp.canonizers.FoldBatchNorm`, or gets ``Pass`` where it cannot be.
Convolutions, depthwise convolutions and dense layers take their rule from the composite; any
other layer (``multiply``, ``norm``, ``pointwise``, ``other``) has no safe default and must be
given one by name.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..._validation import check_mapping, check_names, describe
from ..backends.base import KINDS, LINEAR, Graph, Node
from .canonizers import FoldBatchNorm
from .rules import AlphaBeta, Epsilon, Flat, Gamma, Pass, Rule, ZBox, Zero

#: Kinds whose relevance the gradient itself shares (see the module's description).
GRADIENT_KINDS = (
    "input",
    "add",
    "concat",
    "avg_pool",
    "global_average_pool",
    "max_pool",
    "pad",
    "alias",
    "dropout",
    "flatten",
    "permute",
)
#: Rules every composite uses where it gives none.
DEFAULT_RULES: Mapping[str, Rule] = {"activation": Pass(), "batch_norm": Pass()}
CONVOLUTIONS = ("conv", "depthwise_conv")
POOLING = ("max_pool", "avg_pool")

__all__ = ["PRESETS", "Composite", "preset"]


@dataclass(frozen=True, eq=False)
class Composite:
    """Which rule each layer gets: the first match of ``names``, ``first``, ``blocks``, ``kinds``
    and :data:`DEFAULT_RULES`, in that order.

    Attributes
    ----------
    name
        For messages and notes.
    kinds
        Rules by node kind (``"conv"``, ``"depthwise_conv"``, ``"dense"``, ``"activation"``...).
    first
        The rule of the first layer of a kind in ``first_kinds`` (in execution order), e.g. the
        :math:`z^\\mathcal{B}` rule of the pixel layer.
    first_kinds
        Which kinds count as a first layer.
    blocks
        Rules of the convolutions by depth: block ``b`` holds the convolutions after ``b``
        pooling layers, and gets ``blocks[b]`` (the last entry for deeper blocks).
    names
        Rules of single layers, by name.
    canonizers
        Applied for the call: by default BatchNorm is folded into the layer before it.
    """

    name: str
    kinds: Mapping[str, Rule] = field(default_factory=dict)
    first: Rule | None = None
    first_kinds: tuple[str, ...] = LINEAR
    blocks: tuple[Rule, ...] = ()
    names: Mapping[str, Rule] = field(default_factory=dict)
    canonizers: tuple[Any, ...] = (FoldBatchNorm(),)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str, the composite's name, got {describe(self.name)}.")
        example = "{'conv': rules.Gamma(0.25)}"
        check_mapping(self.kinds, "kinds", example)
        check_mapping(self.names, "names", "{'conv1': rules.ZBox()}")
        check_names(self.first_kinds, "first_kinds")
        for name in ("blocks", "canonizers"):
            if not isinstance(getattr(self, name), (tuple, list)):
                raise TypeError(f"{name} must be a tuple, got {describe(getattr(self, name))}.")
        unknown = [kind for kind in [*self.kinds, *self.first_kinds] if kind not in KINDS]
        if unknown:
            raise ValueError(
                f"composite {self.name!r}: {unknown[0]!r} is not a layer kind; the kinds are "
                f"{', '.join(KINDS[1:])}."
            )
        rules = [*self.kinds.values(), *self.blocks, *self.names.values(), self.first]
        for rule in rules:
            if rule is not None and not isinstance(rule, Rule):
                raise TypeError(
                    f"composite {self.name!r}: {rule!r} is not a rule; use the classes of "
                    "mnn.explain.lrp.rules, e.g. rules.Gamma(0.25)."
                )

    def with_rules(self, mapping: Mapping[str, Rule], name: str | None = None) -> Composite:
        """This composite with more rules: keys that are node kinds set rules by kind, other keys
        are layer names (checked when the composite meets a model)."""
        check_mapping(mapping, "mapping", "{'dense': rules.Epsilon()}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str or None, got {describe(name)}.")
        kinds = {key: rule for key, rule in mapping.items() if key in KINDS}
        names = {key: rule for key, rule in mapping.items() if key not in KINDS}
        return replace(
            self,
            name=name or f"{self.name} + {len(mapping)} rules",
            kinds={**self.kinds, **kinds},
            names={**self.names, **names},
        )

    def rule(self, node: Node, is_first: bool, block: int) -> Rule | None:
        """The rule of ``node`` (``None``: none given, whatever its kind)."""
        if node.name in self.names:
            return self.names[node.name]
        if is_first and self.first is not None:
            return self.first
        if node.kind in CONVOLUTIONS and self.blocks:
            return self.blocks[min(block, len(self.blocks) - 1)]
        return self.kinds.get(node.kind, DEFAULT_RULES.get(node.kind))


def _course() -> Composite:
    # Montavon et al. 2019 on VGG-16: the pixel layer with z^B, the convolutions with LRP-gamma,
    # gamma falling by a factor sqrt(10) per block (1, 0.32, 0.1, 0.032, 0.01), dense layers
    # with LRP-0.
    return Composite(
        "course",
        kinds={"dense": Zero()},
        first=ZBox(),
        first_kinds=CONVOLUTIONS,
        blocks=tuple(Gamma(10 ** (-block / 2)) for block in range(5)),
    )


def _zennit(name: str, convolutions: Rule, first: Rule | None, first_kinds: tuple[str, ...]):
    # Zennit's presets: epsilon = 1e-6 on dense layers, stabiliser 1e-6 in every other rule.
    return Composite(
        name,
        kinds={"conv": convolutions, "depthwise_conv": convolutions, "dense": Epsilon(1e-6)},
        first=first,
        first_kinds=first_kinds,
    )


#: The named composites. Zennit's presets with its definitions and default parameters, the
#: course's VGG schedule, and LRP-0 everywhere (Gradient x Input of the folded network).
PRESETS: Mapping[str, Composite] = {
    "epsilon_gamma_box": _zennit("epsilon_gamma_box", Gamma(0.25), ZBox(), CONVOLUTIONS),
    "epsilon_plus": _zennit("epsilon_plus", AlphaBeta(1.0, 0.0), None, LINEAR),
    "epsilon_plus_flat": _zennit("epsilon_plus_flat", AlphaBeta(1.0, 0.0), Flat(), LINEAR),
    "epsilon_alpha2_beta1": _zennit("epsilon_alpha2_beta1", AlphaBeta(2.0, 1.0), None, LINEAR),
    "epsilon_alpha2_beta1_flat": _zennit(
        "epsilon_alpha2_beta1_flat", AlphaBeta(2.0, 1.0), Flat(), LINEAR
    ),
    "course": _course(),
    "zero": Composite("zero", kinds=dict.fromkeys(LINEAR, Zero())),
}


def preset(name: str) -> Composite:
    """The composite named ``name`` in :data:`PRESETS`."""
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a preset's name, one of {', '.join(PRESETS)}; got {describe(name)}."
        )
    if name not in PRESETS:
        close = difflib.get_close_matches(name, list(PRESETS), n=2, cutoff=0.5)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"unknown composite {name!r}.{hint} The presets are: "
            f"{', '.join(repr(p) for p in PRESETS)}; or pass a Composite, or a mapping from "
            "layer names and kinds to rules."
        )
    return PRESETS[name]


def resolve(composite: Any, graph: Graph) -> Composite:
    """A :class:`Composite` from a preset's name, a composite, or a mapping ``{layer name or
    kind: rule}`` (which also gets the default rules and BatchNorm folding)."""
    if isinstance(composite, str):
        return preset(composite)
    if isinstance(composite, Composite):
        return composite
    if isinstance(composite, Mapping):
        names = {node.name for node in graph.nodes}
        for key in composite:
            if key in KINDS and key in names:
                raise ValueError(
                    f"{key!r} is both a layer kind and the name of a layer of this model; say "
                    f"which with composites.Composite('mine', kinds={{...}}, names={{...}})."
                )
            if key not in KINDS and key not in names:
                close = difflib.get_close_matches(str(key), [*names, *KINDS], n=3)
                hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                raise ValueError(
                    f"the composite maps {key!r}, which is neither a layer of this model nor a "
                    f"layer kind.{hint}"
                )
        return Composite("custom").with_rules(composite, name="custom")
    raise TypeError(
        "composite must be a preset's name (e.g. 'epsilon_gamma_box'), a "
        "mnn.explain.lrp.composites.Composite, or a mapping from layer names and kinds to rules; "
        f"got {type(composite).__name__}."
    )


def blocks(graph: Graph, nodes: Sequence[int]) -> dict[int, int]:
    """The block of each node: how many pooling layers among ``nodes`` come before it."""
    count, found = 0, {}
    for index in sorted(nodes):
        found[index] = count
        count += graph.nodes[index].kind in POOLING
    return found
