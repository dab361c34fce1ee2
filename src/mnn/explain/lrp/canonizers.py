r"""Canonizers: rewrites of a model into an equivalent one whose layers suit LRP's rules.

:class:`FoldBatchNorm` folds a BatchNorm into the convolution (plain, grouped or depthwise) or
dense layer before it. BatchNorm at inference is
:math:`y = s \odot (z - \mu) + \beta` with :math:`s = \gamma / \sqrt{\sigma^2 + \epsilon}`, so with
:math:`z = W x + b` the two layers are one linear layer

.. math::

    y = (s \odot W)\, x + s \odot (b - \mu) + \beta,

and a rule applied to that layer sees the map the network really computes. Without folding, the
convolution's rule would share relevance by contributions that the BatchNorm rescales afterwards
(and the BatchNorm would need a rule of its own: :class:`~mnn.explain.lrp.rules.Pass`).

The rewrite lasts one call: it is made of replacements of the run (the linear layer computes with
the folded parameters, the BatchNorm passes its input on), so the model itself is never changed
and nothing needs restoring, even when a call fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..backends.base import LINEAR, BatchNormParameters, Graph, Node, TensorOps


def fold(weight: Any, bias: Any, norm: BatchNormParameters) -> tuple[Any, Any]:
    """The weight and bias of a linear layer followed by a BatchNorm, as one layer.

    Parameters
    ----------
    weight, bias
        Canonical layout: (C_out, ...) and (C_out,), as framework tensors or arrays.
    norm
        The BatchNorm's parameters, each (C_out,).

    Returns
    -------
    (weight, bias)
        :math:`s \\odot W` and :math:`s \\odot (b - \\mu) + \\beta`.
    """
    scale = norm.scale / (norm.variance + norm.epsilon) ** 0.5
    index = (slice(None),) + (None,) * (len(weight.shape) - 1)
    return weight * scale[index], (bias - norm.mean) * scale + norm.shift


def consumers(graph: Graph) -> list[list[int]]:
    """For every node, the nodes that read its output."""
    readers: list[list[int]] = [[] for _ in graph.nodes]
    for index, node in enumerate(graph.nodes):
        for source in node.inputs:
            readers[source].append(index)
    return readers


@dataclass(frozen=True)
class FoldedLinear:
    """A replacement: the linear layer computed with the BatchNorm ``batch_norm`` folded in."""

    batch_norm: Node

    def __call__(self, ops: TensorOps, node: Node, inputs: Sequence[Any], output: Any) -> Any:
        """``linear(x)`` with the folded weight and bias."""
        parameters = ops.parameters(node)
        weight, bias = fold(parameters.weight, parameters.bias, ops.parameters(self.batch_norm))
        return ops.linear(node, inputs[0], weight, bias)


@dataclass(frozen=True)
class PassOn:
    """A replacement: the node returns its input (a BatchNorm folded into the layer before it)."""

    def __call__(self, ops: TensorOps, node: Node, inputs: Sequence[Any], output: Any) -> Any:
        """The input."""
        return inputs[0]


@dataclass(frozen=True)
class FoldBatchNorm:
    """Fold every BatchNorm that reads a convolution or dense layer (and is its only reader; the
    layer applying no activation of its own) into that layer."""

    def pairs(self, graph: Graph) -> dict[int, int]:
        """``{linear node: batch_norm node}`` for every BatchNorm that can be folded."""
        readers = consumers(graph)
        nodes = graph.nodes
        found = {}
        for index, node in enumerate(nodes):
            if node.kind != "batch_norm" or len(node.inputs) != 1:
                continue
            source, reader = node.inputs[0], index
            # Containers and identities between the two (PyTorch's nn.Sequential) are looked
            # through.
            while nodes[source].kind == "alias" and readers[source] == [reader]:
                source, reader = nodes[source].inputs[0], source
            linear = nodes[source]
            if linear.kind in LINEAR and linear.activation is None and readers[source] == [reader]:
                found[source] = index
        return found

    def replacements(self, graph: Graph) -> dict[int, Any]:
        """The rewrite on its own, as replacements for :meth:`Backend.run`: the model computes
        the same outputs with them as without."""
        replace: dict[int, Any] = {}
        for linear, batch_norm in self.pairs(graph).items():
            replace[linear] = FoldedLinear(graph.nodes[batch_norm])
            replace[batch_norm] = PassOn()
        return replace
