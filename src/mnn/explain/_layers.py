"""Choosing layers in a model's graph: by name or object, the default feature layer, the logits.

Works on :class:`~mnn.explain.backends.base.Graph` only, so it is the same for both frameworks.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from .backends.base import GRID_PRESERVING, Graph, Node, TensorOps

# Between global average pooling and the dense layer, CAM allows only what keeps the pooled
# vector as it is.
_TRANSPARENT = ("alias", "dropout", "flatten")


def _selectable(graph: Graph) -> list[int]:
    """Every node but the input: layers, and PyTorch's functional operations by their name."""
    return list(range(1, len(graph.nodes)))


def _named(graph: Graph) -> list[int]:
    """The nodes that are layers (not functional operations), for listings."""
    return [i for i in _selectable(graph) if graph.nodes[i].layer is not None]


def _listing(names: list[str], limit: int = 12) -> str:
    if len(names) <= limit:
        return ", ".join(repr(n) for n in names)
    half = limit // 2
    shown = [repr(n) for n in names[:half]] + ["..."] + [repr(n) for n in names[-half:]]
    return ", ".join(shown) + f" ({len(names)} in all)"


def convolution_names(graph: Graph) -> list[str]:
    """Names of the convolutional layers, in execution order."""
    return [
        node.name
        for node in graph.nodes
        if node.kind in ("conv", "depthwise_conv") and node.layer is not None
    ]


def _candidates(graph: Graph) -> str:
    """Which layers can be picked, as a sentence for error messages."""
    convolutions = convolution_names(graph)
    if convolutions:
        return (
            f"Its convolutional layers are: {_listing(convolutions)}; layer=None picks the last "
            "feature map that the classifier reads."
        )
    maps = [graph.nodes[i].name for i in _named(graph) if graph.nodes[i].spatial is not None]
    return (
        "It has no convolutional layer of its own (the layers of a nested model cannot be "
        "picked, only the nested model as a whole); its layers with feature maps are: "
        f"{_listing(maps) if maps else 'none'}."
    )


def _describe(node: Node) -> str:
    return f"{node.name!r} ({node.type_name})"


def find_layer(graph: Graph, layer: Any, maps: bool = True) -> int:
    """Index of the node of ``layer``: a layer name, or the layer/module object itself.

    Raises
    ------
    ValueError
        For an unknown layer (the message lists the convolutional layers), a layer that runs
        more than once per forward pass, or (with ``maps``) a layer whose output is not a batch
        of feature maps.
    """
    if isinstance(layer, str):
        matches = [i for i in _selectable(graph) if graph.nodes[i].name == layer]
    else:
        matches = [i for i in _selectable(graph) if graph.nodes[i].layer is layer]
    if not matches:
        names = [graph.nodes[i].name for i in _named(graph)]
        close = difflib.get_close_matches(layer, names, n=3) if isinstance(layer, str) else []
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        what = repr(layer) if isinstance(layer, str) else f"the {type(layer).__name__} passed"
        raise ValueError(f"the model has no layer {what}.{hint} {_candidates(graph)}")
    if len(matches) > 1:
        raise ValueError(
            f"layer {graph.nodes[matches[0]].name!r} runs {len(matches)} times in one forward "
            "pass, so its output is ambiguous; pick a layer that runs once (e.g. the block that "
            "contains it)."
        )
    (index,) = matches
    node = graph.nodes[index]
    if maps and node.spatial is None:
        raise ValueError(
            f"layer {_describe(node)} has output shape {node.shape}, not a batch of feature maps "
            "with height and width; pick a layer with feature maps. "
            f"{_candidates(graph)}"
        )
    return index


def _is_map(node: Node) -> bool:
    """Whether a node's output is a grid of more than one unit per channel."""
    return node.kind != "input" and node.spatial not in (None, (1, 1))


def default_layer(graph: Graph) -> tuple[int, str]:
    """The last feature map that the classifier head reads, before any pooling.

    Walks back from the class scores through the head (dense layers, global pooling, flatten,
    dropout, anything without a grid of more than one unit) to the first feature map, then back
    through max and average pooling: the output of the last block after its concatenations,
    norms, residual sums and activations, which is the map Grad-CAM's authors use and
    practitioners pick by hand (``layer4`` of a ResNet, DenseNet's features after their final
    ReLU, the last stage of a ConvNeXt, ``head`` of EfficientNet-Lite0).

    Returns
    -------
    (index, note)
        The node and a sentence saying which layer was picked and why.
    """
    nodes = graph.nodes
    index = score_node(graph)[0]
    while not _is_map(nodes[index]):
        if not nodes[index].inputs:
            raise ValueError(
                "the model has no layer with feature maps (convolutional layers, or a nested "
                "model that ends in them) before its class scores, so there is nothing to "
                "explain; CAM and Grad-CAM are for convolutional networks."
            )
        inputs = nodes[index].inputs
        index = next((i for i in inputs if _is_map(nodes[i])), inputs[0])
    pools = []
    while nodes[index].kind in ("max_pool", "avg_pool") and nodes[index].inputs:
        pools.append(nodes[index].name)
        index = nodes[index].inputs[0]
    node = nodes[index]
    note = f"layer=None: using {node.name!r}, the last feature map that the classifier reads"
    chain = [index]
    while nodes[chain[-1]].kind in GRID_PRESERVING and len(nodes[chain[-1]].inputs) == 1:
        chain.append(nodes[chain[-1]].inputs[0])
    if node.kind not in ("conv", "depthwise_conv") and nodes[chain[-1]].kind in (
        "conv",
        "depthwise_conv",
    ):
        after = [nodes[i].name for i in reversed(chain[:-1]) if nodes[i].kind != "alias"]
        note += f" (the output of the convolution {nodes[chain[-1]].name!r}"
        note += f" after {', '.join(repr(name) for name in after)})" if after else ")"
    if pools:
        note += f", before the pooling {', '.join(repr(name) for name in reversed(pools))}"
    if node.layer is None:
        note += f"; {node.name!r} is an operation that forward() applies as a function"
    return index, note + "."


def _unwrap(graph: Graph, index: int) -> int:
    """The node whose output ``index`` passes on unchanged, through containers and identities."""
    node = graph.nodes[index]
    while node.kind == "alias" and node.inputs:
        index = node.inputs[0]
        node = graph.nodes[index]
    return index


def score_node(graph: Graph) -> tuple[int, str]:
    """The node whose output are the class scores before any softmax.

    A model that ends in a softmax layer is explained through that layer's input; a Keras
    ``Dense(activation="softmax")`` through its pre-activation (see ``Node.softmax``).

    Returns
    -------
    (index, note)
        The node, and a sentence when the scores are not the model's output.
    """
    index, note = _unwrap(graph, graph.output), ""
    output = graph.nodes[index]
    if output.kind == "softmax":
        index = _unwrap(graph, output.inputs[0])
        note = (
            f"the model ends in a softmax ({output.name!r}): class scores are its input, the "
            f"logits of {graph.nodes[index].name!r}."
        )
    elif output.softmax:
        note = (
            f"the model's last layer {output.name!r} applies a softmax: class scores are its "
            "pre-activation (logits)."
        )
    if len(graph.nodes[index].shape) != 1:
        raise ValueError(
            f"the model's class scores have shape {graph.nodes[index].shape} per image; "
            "CAM and Grad-CAM need a classifier with (N, classes) outputs."
        )
    return index, note


@dataclass(frozen=True)
class PreActivation:
    """A replacement: the layer's linear map without its activation (a Keras
    ``Dense(activation="softmax")`` read as logits)."""

    def __call__(self, ops: TensorOps, node: Node, inputs: list, output: Any) -> Any:
        """The layer's output before its activation."""
        parameters = ops.parameters(node)
        return ops.linear(node, inputs[0], parameters.weight, parameters.bias)


def logits(graph: Graph) -> tuple[int, str, dict[int, PreActivation]]:
    """The node of the class scores (see :func:`score_node`), the note, and the replacement
    that makes the node's output the logits (for a dense layer with a softmax activation)."""
    index, note = score_node(graph)
    return index, note, {index: PreActivation()} if graph.nodes[index].softmax else {}


def cam_layer(graph: Graph, score: int, layer: Any) -> tuple[int, str]:
    """Check the head is global average pooling then one dense layer; return the CAM layer.

    Parameters
    ----------
    graph
        The model's graph.
    score
        The node of the class scores (see :func:`score_node`).
    layer
        ``None``, or a layer the user asked for, which must be the pooled one (or an alias).

    Returns
    -------
    (index, note)
        The node that feeds the pooling (or the alias of it that was asked for), and a
        sentence about the choice.
    """
    nodes = graph.nodes
    dense = nodes[score]
    path = [score]
    index = dense.inputs[0] if dense.inputs else 0
    while nodes[index].kind in _TRANSPARENT and len(nodes[index].inputs) == 1:
        path.append(index)
        index = nodes[index].inputs[0]
    path.append(index)
    if dense.kind != "dense" or nodes[index].kind != "global_average_pool":
        found = " <- ".join(_describe(nodes[i]) for i in path)
        raise ValueError(
            "CAM needs a head of global average pooling followed by one dense layer (Zhou et "
            f"al. 2016); this model's class scores come from {found}. Use "
            "mnn.explain.grad_cam, which works with any differentiable head."
        )
    pooled = nodes[index].inputs[0]
    aliases = {pooled}
    while nodes[pooled].kind == "alias" and nodes[pooled].inputs:
        pooled = nodes[pooled].inputs[0]
        aliases.add(pooled)
    feature = nodes[index].inputs[0]
    if layer is None:
        note = (
            f"layer=None: using {nodes[feature].name!r}, the layer that feeds the global "
            f"average pooling {nodes[index].name!r}."
        )
        return feature, note
    chosen = find_layer(graph, layer)
    if chosen not in aliases:
        raise ValueError(
            f"CAM is defined on the layer that feeds the global average pooling "
            f"({nodes[feature].name!r}), not on {nodes[chosen].name!r}; for other layers use "
            "mnn.explain.grad_cam."
        )
    return chosen, f"layer {nodes[chosen].name!r}."
