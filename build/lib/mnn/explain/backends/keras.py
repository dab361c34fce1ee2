"""The Keras 3 backend: a Sequential or functional model's layer graph, captures, gradients.

The graph comes from the model's own functional structure (``layer.input``, ``layer.output``),
with concrete shapes from :meth:`keras.Model.compute_output_spec`, so no forward pass is needed.
Captures run in a ``tf.function`` compiled once per model, layer and kind of target: eager
Keras is several times slower than PyTorch on a CPU, compiled Keras about as fast.
"""

from __future__ import annotations

import weakref
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ..._padding import same_padding
from .base import Capture, Geometry, Graph, Node, kind_from_shapes, pair

layout = "NHWC"
layers = keras.layers

# Graphs per model and input shape, and compiled captures per model, for the layers they were
# built from: a Sequential model changed since (pop, add) is read again.
_graphs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_functions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

_CONVOLUTIONS = (layers.Conv2D, layers.DepthwiseConv2D, layers.SeparableConv2D)
_POOLS = (layers.MaxPooling2D, layers.AveragePooling2D)
_SOFTMAX = {"softmax", "log_softmax"}


def _image_input(model: keras.Model) -> keras.KerasTensor:
    """The model's one input tensor."""
    try:
        inputs = model.inputs
    except AttributeError:
        inputs = None
    if not inputs:
        raise ValueError(
            "the Keras model has no defined input: build it on keras.Input((H, W, C)) (for a "
            "Sequential model, as its first entry). A subclassed keras.Model, with a call() of "
            "its own, has no layer graph to read: write it as a functional model."
        )
    if len(inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            f"the model has {len(inputs)} inputs and {len(model.outputs)} outputs; "
            "mnn.explain needs one image input and one (N, classes) output."
        )
    return inputs[0]


def dtype(model: keras.Model) -> np.dtype:
    """The dtype of the model's input."""
    return np.dtype(_image_input(model).dtype)


def _activation_name(layer: layers.Layer) -> str:
    return getattr(getattr(layer, "activation", None), "__name__", "")


def _padding_before(mode: str, size: int, kernel: int, stride: int, dilation: int) -> int:
    return same_padding(size, dilation * (kernel - 1) + 1, stride)[0] if mode == "same" else 0


def _windowed(layer: layers.Layer, height: int, width: int) -> tuple[str, Geometry]:
    """Kind and geometry of a convolution or pooling layer on a ``height`` x ``width`` input."""
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise ValueError(
            f"layer {layer.name!r} uses data_format={layer.data_format!r}; mnn.explain reads "
            "Keras models in the default channels_last layout only."
        )
    if isinstance(layer, _CONVOLUTIONS):
        kind, kernel, dilation = "conv", pair(layer.kernel_size), pair(layer.dilation_rate)
    else:
        kind, kernel, dilation = "pool", pair(layer.pool_size), (1, 1)
    stride = pair(layer.strides or kernel)
    padding = tuple(
        _padding_before(layer.padding, size, k, s, d)
        for size, k, s, d in zip((height, width), kernel, stride, dilation, strict=True)
    )
    return kind, Geometry(kernel, stride, padding, dilation)


def _operation_kind(operation: Any, height: int) -> str | None:
    """The kind of a ``keras.ops`` operation applied between layers, where its class tells it."""
    name = type(operation).__name__
    if name in ("Softmax", "LogSoftmax"):
        return "softmax"
    if name in ("Reshape", "Squeeze"):
        return "flatten"
    if name == "Mean" and height and operation.axis is not None:
        axes = operation.axis if isinstance(operation.axis, (list, tuple)) else [operation.axis]
        if {axis % 4 for axis in axes} == {1, 2}:
            return "global_average_pool"
    return None


def _kind(layer: layers.Layer, height: int, width: int) -> tuple[str | None, Geometry | None]:
    """Kind and geometry where the layer's class tells them; ``None`` to decide by shapes."""
    if not isinstance(layer, layers.Layer):
        return _operation_kind(layer, height), None
    if isinstance(layer, _CONVOLUTIONS + _POOLS):
        return _windowed(layer, height, width)
    if isinstance(layer, layers.ZeroPadding2D):
        (top, _bottom), (left, _right) = layer.padding
        return "pad", Geometry((1, 1), (1, 1), (top, left))
    if isinstance(layer, layers.Cropping2D):
        (top, _bottom), (left, _right) = layer.cropping
        return "pad", Geometry((1, 1), (1, 1), (-top, -left))
    if isinstance(layer, layers.GlobalAveragePooling2D):
        return "global_average_pool", None
    if isinstance(layer, layers.Identity):
        return "alias", None
    if isinstance(layer, (layers.Dropout, layers.SpatialDropout2D)):
        return "dropout", None
    if isinstance(layer, layers.Dense):
        return "dense", None
    if isinstance(layer, (layers.Flatten, layers.Reshape)):
        return "flatten", None
    if isinstance(layer, layers.Softmax) or (
        isinstance(layer, layers.Activation) and _activation_name(layer) in _SOFTMAX
    ):
        return "softmax", None
    return None, None


def _grid(shape: tuple) -> tuple[int, int] | None:
    """(h, w) of an (N, h, w, C) shape, ``None`` for other ranks."""
    return tuple(shape[1:3]) if len(shape) == 4 else None


def _as_list(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _as_list(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _as_list(item)]
    return [value]


def _operations(model: keras.Model) -> list:
    """The model's layers and, in a functional model, the keras.ops applied to its tensors
    between layers (x + skip, keras.ops.relu): nodes too, named and picked like layers."""
    operations = getattr(model, "operations", None) or model.layers
    return [layer for layer in operations if not isinstance(layer, layers.InputLayer)]


def _build_graph(model: keras.Model, input_shape: tuple[int, ...]) -> Graph:
    chosen = _operations(model)
    try:
        outputs = [layer.output for layer in chosen]
    except (AttributeError, ValueError) as error:
        raise ValueError(
            f"cannot read the model's layer graph ({error}); mnn.explain needs a Sequential or "
            "functional model built on keras.Input, with every layer called once."
        ) from None
    probe = keras.Model(model.inputs, outputs)
    specs = probe.compute_output_spec(keras.KerasTensor((1, *input_shape), dtype=dtype(model)))
    shapes = [tuple(spec.shape) for spec in _as_list(specs)]
    (image,) = model.inputs
    nodes = [Node("input", "input", (), input_shape, tuple(input_shape[:2]), "InputLayer")]
    producer = {id(image): 0}
    for layer, tensor, shape in zip(chosen, outputs, shapes, strict=True):
        tensors = [t for t in _as_list(layer.input) if isinstance(t, keras.KerasTensor)]
        if any(id(t) not in producer for t in tensors):
            # layer.input is the input of the layer's first call, which may be in another graph.
            raise ValueError(
                f"layer {layer.name!r} reads a tensor that no layer of this model made in its "
                "first call, so mnn.explain cannot read the graph. If a layer is called more "
                "than once in the model, give each call a layer of its own; if the model was "
                "changed with pop or add, or shares layers with another model, explain a copy: "
                "copy = keras.models.clone_model(model); copy.set_weights(model.get_weights())."
            )
        sources = tuple(dict.fromkeys(producer[id(t)] for t in tensors))
        source_shapes = [(1, *nodes[i].shape) for i in sources]
        grids = [_grid(s) for s in source_shapes]
        height, width = grids[0] if grids and grids[0] else (0, 0)
        kind, geometry = _kind(layer, height, width)
        if kind is None:
            same = bool(source_shapes) and all(s == shape for s in source_shapes)
            kind = kind_from_shapes(grids, _grid(shape), same)
        nodes.append(
            Node(
                name=layer.name,
                kind=kind,
                inputs=sources,
                shape=shape[1:],
                spatial=_grid(shape),
                type_name=type(layer).__name__,
                geometry=geometry,
                layer=layer,
                softmax=isinstance(layer, layers.Dense) and _activation_name(layer) in _SOFTMAX,
            )
        )
        producer[id(tensor)] = len(nodes) - 1
    return Graph(
        nodes=tuple(nodes),
        output=producer[id(model.outputs[0])],
        input_shape=input_shape,
        input_size=(int(input_shape[0]), int(input_shape[1])),
    )


def graph(model: keras.Model, input_shape: tuple[int, ...] | None) -> Graph:
    """The layer graph of ``model`` for one (H, W, C) input, or (H, W), or its declared input."""
    declared = tuple(_image_input(model).shape[1:])
    if input_shape is None:
        input_shape = declared
    elif len(input_shape) == 2:
        input_shape = (*input_shape, declared[-1])
    if None in input_shape:
        raise ValueError(
            f"the model accepts inputs of shape {declared} (any size): pass input_size=(H, W)."
        )
    input_shape = tuple(int(n) for n in input_shape)
    if any(d is not None and d != n for d, n in zip(declared, input_shape, strict=True)):
        raise ValueError(
            f"the model takes images of shape {declared} (H, W, C), got {input_shape}."
        )
    # The cached nodes keep their layers alive, so an id here cannot be reused by a new layer.
    operations = tuple(id(layer) for layer in _operations(model))
    if model not in _graphs or _graphs[model][0] != operations:
        _graphs[model] = (operations, {})
        _functions.pop(model, None)
    cached = _graphs[model][1]
    if input_shape not in cached:
        cached[input_shape] = _build_graph(model, input_shape)
    return cached[input_shape]


def _compile(
    model: keras.Model, graph: Graph, layer: int, score: int, top: bool, count: int, gradients: bool
):
    """A tf.function (images, classes) -> (activations, gradients, logits, chosen classes).

    With ``top``, the ``count`` highest logits of each image are differentiated and ``classes``
    is ignored; otherwise the (N, count) ``classes`` are.
    """
    score_node = graph.nodes[score]
    dense = score_node.layer if score_node.softmax else None
    if dense is not None:
        score_tensor = dense.input
    elif score == graph.output:
        score_tensor = model.outputs[0]
    else:
        score_tensor = score_node.layer.output
    inner = keras.Model(model.inputs, [graph.nodes[layer].layer.output, score_tensor])

    def logits_of(values: tf.Tensor) -> tf.Tensor:
        if dense is None:
            return values
        logits = tf.matmul(values, dense.kernel)
        return logits + dense.bias if dense.use_bias else logits

    def run(images: tf.Tensor, classes: tf.Tensor):
        with tf.GradientTape(persistent=count > 1, watch_accessed_variables=False) as tape:
            # Watching the input records every operation, also in models with frozen weights.
            tape.watch(images)
            activations, values = inner(images, training=False)
            logits = logits_of(values)
            chosen = tf.math.top_k(logits, k=count).indices if top else classes
            scores = tf.gather(logits, chosen, batch_dims=1)
            # Summed over the batch inside the tape: images do not interact, so the gradient
            # of the sum is each image's own gradient.
            totals = [tf.reduce_sum(scores[:, j]) for j in range(count)]
        if not gradients:
            return activations, tf.zeros(()), logits, chosen
        grads = [tape.gradient(total, activations) for total in totals]
        return activations, tf.stack(grads), logits, chosen

    # One trace for every batch size (and image size, where the model allows it).
    (image,) = model.inputs
    signature = [
        tf.TensorSpec((None, *image.shape[1:]), image.dtype),
        tf.TensorSpec((None, count), tf.int32),
    ]
    return tf.function(run, input_signature=signature)


def capture(
    model: keras.Model,
    images: np.ndarray,
    graph: Graph,
    layer: int,
    score: int,
    classes: np.ndarray | None,
    top: int,
    gradients: bool,
) -> Capture:
    """Run ``model`` on ``images`` keeping node ``layer``'s output and node ``score``'s logits.

    ``classes`` (N, k) are the classes to differentiate, or ``None`` for the ``top`` highest
    scores of each image.
    """
    count = classes.shape[1] if classes is not None else top
    key = (graph.nodes[layer].name, graph.nodes[score].name, classes is None, count, gradients)
    functions = _functions.setdefault(model, {})
    if key not in functions:
        functions[key] = _compile(model, graph, layer, score, classes is None, count, gradients)
    wanted = classes if classes is not None else np.zeros((len(images), count), np.int32)
    activations, grads, logits, chosen = functions[key](
        tf.convert_to_tensor(images), tf.convert_to_tensor(wanted.astype(np.int32))
    )
    return Capture(
        activations=np.moveaxis(activations.numpy(), -1, 1),
        gradients=np.moveaxis(grads.numpy(), -1, 2) if gradients else None,
        logits=logits.numpy(),
        classes=chosen.numpy().astype(np.int64),
    )


def dense_parameters(node: Node) -> tuple[np.ndarray, np.ndarray]:
    """(W, b): the (K, C) weight (Keras keeps its transpose) and (K,) bias of a Dense node."""
    dense = node.layer
    weight = dense.kernel.numpy().T
    bias = dense.bias.numpy() if dense.use_bias else None
    return weight, bias if bias is not None else np.zeros(weight.shape[0], weight.dtype)
