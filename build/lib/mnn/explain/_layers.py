"""Choosing layers in a model's graph: by name or object, the default feature layer, the logits.

Works on :class:`~mnn.explain.backends.base.Graph` only, so it is the same for both frameworks.
"""

from __future__ import annotations

import difflib
from typing import Any

from .backends.base import Graph, Node

# Between global average pooling and the dense layer, CAM allows only what keeps the pooled
# vector as it is.
_TRANSPARENT = ("alias", "dropout", "flatten")


def _selectable(graph: Graph) -> list[int]:
    return [i for i, node in enumerate(graph.nodes) if node.layer is not None]


def _listing(names: list[str], limit: int = 12) -> str:
    if len(names) <= limit:
        return ", ".join(repr(n) for n in names)
    half = limit // 2
    shown = [repr(n) for n in names[:half]] + ["..."] + [repr(n) for n in names[-half:]]
    return ", ".join(shown) + f" ({len(names)} in all)"


def convolution_names(graph: Graph) -> list[str]:
    """Names of the convolutional layers, in execution order."""
    return [node.name for node in graph.nodes if node.kind == "conv" and node.layer is not None]


def _candidates(graph: Graph) -> str:
    """Which layers can be picked, as a sentence for error messages."""
    convolutions = convolution_names(graph)
    if convolutions:
        return (
            f"Its convolutional layers are: {_listing(convolutions)}; layer=None picks the last "
            "one's output."
        )
    maps = [
        graph.nodes[i].name
        for i in _selectable(graph)
        if graph.nodes[i].spatial is not None and graph.nodes[i].kind != "input"
    ]
    return (
        "It has no convolutional layer of its own (the layers of a nested model cannot be "
        "picked, only the nested model as a whole); its layers with feature maps are: "
        f"{_listing(maps) if maps else 'none'}."
    )


def _describe(node: Node) -> str:
    return f"{node.name!r} ({node.type_name})"


def find_layer(graph: Graph, layer: Any) -> int:
    """Index of the node of ``layer``: a layer name, or the layer/module object itself.

    Raises
    ------
    ValueError
        For an unknown layer (the message lists the convolutional layers), a layer that runs
        more than once per forward pass, or a layer whose output is not a batch of feature maps.
    """
    if isinstance(layer, str):
        matches = [i for i in _selectable(graph) if graph.nodes[i].name == layer]
    else:
        matches = [i for i in _selectable(graph) if graph.nodes[i].layer is layer]
    if not matches:
        names = [graph.nodes[i].name for i in _selectable(graph)]
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
    if node.spatial is None:
        raise ValueError(
            f"layer {_describe(node)} has output shape {node.shape}, not a batch of feature maps "
            "with height and width; CAM and Grad-CAM need a layer with feature maps. "
            f"{_candidates(graph)}"
        )
    return index


def default_layer(graph: Graph) -> tuple[int, str]:
    """The last convolution's output, after the layers that follow it on the same grid.

    Convolutions with a 1x1 output (on a globally pooled map) do not count.

    From the last convolutional layer, follow its consumers while they keep the shape
    (BatchNorm, activation, identity, a block ending there) and take the last one that can be
    named: ``head`` in EfficientNet-Lite0, ``conv4_relu`` in the Fashion-MNIST CNN.

    Returns
    -------
    (index, note)
        The node and a sentence saying which layer was picked and why.
    """
    # A convolution on a pooled 1x1 map (a classifier or squeeze-excitation gate) has no map.
    convolutions = [
        i
        for i, node in enumerate(graph.nodes)
        if node.kind == "conv" and node.spatial not in (None, (1, 1))
    ]
    if not convolutions:
        return _last_feature_maps(graph)
    run = [convolutions[-1]]
    for index in range(run[0] + 1, len(graph.nodes)):
        node = graph.nodes[index]
        if node.shape != graph.nodes[run[-1]].shape or run[-1] not in node.inputs:
            break
        run.append(index)
    index = [i for i in run if graph.nodes[i].layer is not None][-1]
    conv = graph.nodes[run[0]]
    after = [graph.nodes[i].name for i in run[1:] if i < index]
    # PyTorch operations called as functions in forward() (F.relu, x + skip) have no module
    # whose output could be captured: say that the map is taken before them.
    skipped = [repr(graph.nodes[i].name) for i in run if i > index]
    note = f"layer=None: using {graph.nodes[index].name!r}, the output of the last convolution"
    note += f" {conv.name!r}" if index != run[0] else ""
    note += f" (after {', '.join(after)})" if after else ""
    if skipped:
        runs = "runs as a function" if len(skipped) == 1 else "run as functions"
        note += f", before {', '.join(skipped)}, which {runs} and cannot be captured"
    return index, note + "."


def _last_feature_maps(graph: Graph) -> tuple[int, str]:
    """Without convolutional layers of its own (a nested Keras model, functional convolutions),
    the last layer whose output is a grid of more than one unit."""
    maps = [
        i
        for i in _selectable(graph)
        if graph.nodes[i].spatial not in (None, (1, 1)) and graph.nodes[i].kind != "input"
    ]
    if not maps:
        raise ValueError(
            "the model has no layer with feature maps (convolutional layers, or a nested model "
            "that ends in them), so there is nothing to explain; CAM and Grad-CAM are for "
            "convolutional networks."
        )
    node = graph.nodes[maps[-1]]
    return maps[-1], (
        f"layer=None: using {node.name!r} ({node.type_name}), the last layer with feature maps; "
        "the model has no convolutional layer of its own."
    )


def _unwrap(graph: Graph, index: int) -> int:
    """The layer whose output ``index`` passes on unchanged: through containers and identities
    (not to a functional operation, which cannot be captured)."""
    node = graph.nodes[index]
    while node.kind == "alias" and node.inputs and graph.nodes[node.inputs[0]].layer is not None:
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
        if graph.nodes[index].layer is None:
            raise ValueError(
                f"the model ends in a functional softmax ({output.name}) applied to the result "
                "of another operation; return the logits from the model (drop the final "
                "softmax) to explain it."
            )
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
    if nodes[feature].layer is None:
        raise ValueError(
            f"the global average pooling {nodes[index].name!r} reads {nodes[feature].name!r}, "
            "the result of a functional operation in forward(), which cannot be captured; make "
            "it a module (e.g. nn.ReLU() instead of F.relu) to explain the model with CAM, or "
            "use mnn.explain.grad_cam."
        )
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
