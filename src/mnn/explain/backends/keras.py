"""The Keras 3 backend: a Sequential or functional model's layer graph, and compiled runs.

The graph comes from the model's own functional structure (``layer.input``, ``layer.output``),
with concrete shapes from :meth:`keras.Model.compute_output_spec`, so no forward pass is needed.
A run is a ``tf.function`` compiled once per model and per kind of run (the nodes kept,
differentiated and replaced; the kind of objective): eager Keras is several times slower than
PyTorch on a CPU, compiled Keras about as fast. A replaced node's ``call`` is swapped for its
replacement while the function is traced.

Tensor operations go through ``keras.ops``; TensorFlow itself is used for what Keras has no
backend-neutral form of: the gradient tape and the compiled function. Models on Keras' JAX or
PyTorch backends are refused with a message saying what to do.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from ..._padding import same_padding
from ..._quiet import notices_dropped
from .base import (
    BatchNormParameters,
    Geometry,
    Graph,
    LinearParameters,
    Node,
    Objective,
    Replacement,
    Run,
    kind_from_shapes,
    pair,
)

layout = "NHWC"
layers = keras.layers
ops = keras.ops

# Graphs per model and input shape, and compiled runs per model, for the layers they were
# built from: a Sequential model changed since (pop, add) is read again.
_graphs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_functions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

_POOLS = {layers.MaxPooling2D: "max_pool", layers.AveragePooling2D: "avg_pool"}
_SOFTMAX = {"softmax", "log_softmax"}
_ACTIVATION_LAYERS = (layers.ReLU, layers.LeakyReLU, layers.PReLU, layers.ELU, layers.Activation)
_NORMS = (layers.LayerNormalization, layers.GroupNormalization, layers.UnitNormalization)
_OPERATION_KINDS = {
    "Softmax": "softmax",
    "LogSoftmax": "softmax",
    "Reshape": "flatten",
    "Squeeze": "flatten",
    "Add": "add",
    "Multiply": "multiply",
    "Concatenate": "concat",
    "Transpose": "permute",
    **dict.fromkeys(
        ("Relu", "Relu6", "Gelu", "Silu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu",
         "HardSigmoid", "HardSilu", "Softplus"),
        "activation",
    ),
}  # fmt: skip


def _check_backend() -> None:
    if keras.backend.backend() != "tensorflow":
        raise ValueError(
            f"mnn.explain runs Keras models on Keras' TensorFlow backend; this Keras runs on "
            f"{keras.backend.backend()!r} (KERAS_BACKEND). Set KERAS_BACKEND=tensorflow before "
            "Keras is first imported (or in ~/.keras/keras.json), and build the model again."
        )


def _image_input(model: keras.Model) -> keras.KerasTensor:
    """The model's one input tensor."""
    _check_backend()
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


def _activation_name(layer: Any) -> str | None:
    """The name of the activation a layer applies (``None`` for none or ``linear``)."""
    name = getattr(getattr(layer, "activation", None), "__name__", None)
    return None if name in (None, "linear") else name


def _padding_before(mode: str, size: int, kernel: int, stride: int, dilation: int) -> int:
    return same_padding(size, dilation * (kernel - 1) + 1, stride)[0] if mode == "same" else 0


def _windowed(layer: layers.Layer, height: int, width: int) -> tuple[str, Geometry]:
    """Kind and geometry of a convolution or pooling layer on a ``height`` x ``width`` input."""
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise ValueError(
            f"layer {layer.name!r} uses data_format={layer.data_format!r}; mnn.explain reads "
            "Keras models in the default channels_last layout only."
        )
    if isinstance(layer, tuple(_POOLS)):
        kind, kernel, dilation = _POOLS[type(layer)], pair(layer.pool_size), (1, 1)
    else:
        kernel, dilation = pair(layer.kernel_size), pair(layer.dilation_rate)
        kind = "depthwise_conv" if isinstance(layer, layers.DepthwiseConv2D) else "conv"
    stride = pair(layer.strides or kernel)
    padding = tuple(
        _padding_before(layer.padding, size, k, s, d)
        for size, k, s, d in zip((height, width), kernel, stride, dilation, strict=True)
    )
    return kind, Geometry(kernel, stride, padding, dilation)


def _operation_kind(operation: Any, height: int) -> str | None:
    """The kind of a ``keras.ops`` operation applied between layers, where its class tells it."""
    name = type(operation).__name__
    if name == "Mean" and height and operation.axis is not None:
        axes = operation.axis if isinstance(operation.axis, (list, tuple)) else [operation.axis]
        if {axis % 4 for axis in axes} == {1, 2}:
            return "global_average_pool"
    return _OPERATION_KINDS.get(name)


def _kind(layer: Any, height: int, width: int) -> tuple[str | None, Geometry | None]:
    """Kind and geometry where the layer's class tells them; ``None`` to decide by shapes."""
    if not isinstance(layer, layers.Layer):
        return _operation_kind(layer, height), None
    if isinstance(layer, (layers.Conv2D, layers.DepthwiseConv2D, *_POOLS)):
        return _windowed(layer, height, width)
    if isinstance(layer, layers.SeparableConv2D):
        return "other", None
    if isinstance(layer, layers.ZeroPadding2D):
        (top, _bottom), (left, _right) = layer.padding
        return "pad", Geometry((1, 1), (1, 1), (top, left))
    if isinstance(layer, layers.Cropping2D):
        (top, _bottom), (left, _right) = layer.cropping
        return "pad", Geometry((1, 1), (1, 1), (-top, -left))
    if isinstance(layer, layers.Softmax) or (
        isinstance(layer, layers.Activation) and _activation_name(layer) in _SOFTMAX
    ):
        return "softmax", None
    kinds = (
        (layers.GlobalAveragePooling2D, "global_average_pool"),
        (layers.Identity, "alias"),
        ((layers.Dropout, layers.SpatialDropout2D), "dropout"),
        (layers.Dense, "dense"),
        ((layers.Flatten, layers.Reshape), "flatten"),
        (layers.BatchNormalization, "batch_norm"),
        (_NORMS, "norm"),
        (_ACTIVATION_LAYERS, "activation"),
        (layers.Add, "add"),
        (layers.Multiply, "multiply"),
        (layers.Concatenate, "concat"),
        (layers.Permute, "permute"),
    )
    for classes, kind in kinds:
        if isinstance(layer, classes):
            return kind, None
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
                spatial=_grid(shape) if kind != "permute" else None,
                type_name=type(layer).__name__,
                geometry=geometry,
                layer=layer,
                activation=_activation_name(layer) if kind in ("conv", "depthwise_conv", "dense")
                else None,
            )
        )  # fmt: skip
        producer[id(tensor)] = len(nodes) - 1
    return Graph(
        nodes=tuple(nodes),
        output=producer[id(model.outputs[0])],
        input_shape=input_shape,
        input_size=(int(input_shape[0]), int(input_shape[1])) if len(input_shape) == 3 else None,
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


class _Ops:
    """:class:`~mnn.explain.backends.base.TensorOps` on Keras tensors, for one traced run."""

    def __init__(self, dtype: str, tape: tf.GradientTape | None = None) -> None:
        self.dtype, self.tape = dtype, tape
        self.leaves: list[Any] = []

    def parameters(self, node: Node) -> LinearParameters | BatchNormParameters:
        layer = node.layer
        if isinstance(layer, layers.DepthwiseConv2D):
            kernel = layer.kernel  # (kh, kw, C, multiplier)
            height, width, channels, multiplier = kernel.shape
            flat = ops.reshape(kernel, (height, width, channels * multiplier))
            weight = ops.expand_dims(ops.transpose(flat, (2, 0, 1)), 1)
            return LinearParameters(weight, self._bias(layer, channels * multiplier), channels)
        if isinstance(layer, layers.Conv2D):
            weight = ops.transpose(layer.kernel, (3, 2, 0, 1))
            return LinearParameters(weight, self._bias(layer, layer.filters), layer.groups)
        if isinstance(layer, layers.Dense):
            return LinearParameters(ops.transpose(layer.kernel), self._bias(layer, layer.units))
        if isinstance(layer, layers.BatchNormalization):
            channels = layer.moving_mean.shape[0]
            ones = ops.ones((channels,), dtype=self.dtype)
            return BatchNormParameters(
                scale=layer.gamma if layer.scale else ones,
                shift=layer.beta if layer.center else ops.zeros_like(ones),
                mean=layer.moving_mean,
                variance=layer.moving_variance,
                epsilon=float(layer.epsilon),
            )
        raise ValueError(
            f"layer {node.name!r} ({node.type_name}) has no parameters mnn.explain can read: "
            "only Conv2D, DepthwiseConv2D, Dense and BatchNormalization layers do."
        )

    def _bias(self, layer: layers.Layer, size: int) -> Any:
        return layer.bias if layer.use_bias else ops.zeros((size,), dtype=self.dtype)

    def linear(self, node: Node, x: Any, weight: Any, bias: Any) -> Any:
        layer = node.layer
        if isinstance(layer, layers.Dense):
            return ops.matmul(x, ops.transpose(weight)) + bias
        common = {
            "strides": layer.strides,
            "padding": layer.padding,
            "data_format": "channels_last",
            "dilation_rate": layer.dilation_rate,
        }
        if isinstance(layer, layers.DepthwiseConv2D):
            channels = x.shape[-1]
            kernel = ops.transpose(ops.squeeze(weight, 1), (1, 2, 0))
            kernel = ops.reshape(kernel, (*kernel.shape[:2], channels, -1))
            return ops.depthwise_conv(x, kernel, **common) + bias
        if isinstance(layer, layers.Conv2D):
            return ops.conv(x, ops.transpose(weight, (2, 3, 1, 0)), **common) + bias
        raise ValueError(f"layer {node.name!r} ({node.type_name}) is not a linear layer.")

    def activate(self, node: Node, z: Any) -> Any:
        return node.layer.activation(z) if node.activation is not None else z

    def normalize(self, node: Node, x: Any, parameters: BatchNormParameters) -> Any:
        p = parameters
        return ops.batch_normalization(
            x, p.mean, p.variance, axis=-1, offset=p.shift, scale=p.scale, epsilon=p.epsilon
        )

    def stop_gradient(self, x: Any) -> Any:
        return ops.stop_gradient(x)

    def constant(self, value: np.ndarray) -> Any:
        return ops.convert_to_tensor(np.asarray(value), dtype=self.dtype)

    def leaf(self, value: Any) -> Any:
        tensor = ops.convert_to_tensor(value, dtype=self.dtype)
        self.tape.watch(tensor)
        self.leaves.append(tensor)
        return tensor

    def where(self, condition: Any, x: Any, y: Any) -> Any:
        return ops.where(condition, x, y)

    def clip(self, x: Any, low: float | None, high: float | None) -> Any:
        if low is not None:
            x = ops.maximum(x, low)
        return ops.minimum(x, high) if high is not None else x

    def sign(self, x: Any) -> Any:
        return ops.sign(x)

    def zeros_like(self, x: Any) -> Any:
        return ops.zeros_like(x)

    def broadcast_to(self, x: Any, like: Any) -> Any:
        return ops.broadcast_to(x, ops.shape(like))


@contextmanager
def _swapped(node: Node, replacement: Replacement, tensor_ops: _Ops) -> Iterator[None]:
    """The node's ``call`` swapped for one that computes its replacement (while tracing)."""
    layer = node.layer
    original = layer.call

    def call(*args: Any, **kwargs: Any) -> Any:
        output = original(*args, **kwargs)
        inputs = [t for t in _as_list((args, kwargs)) if ops.is_tensor(t)]
        return replacement(tensor_ops, node, inputs, output)

    layer.call = call
    try:
        yield
    finally:
        del layer.call


@contextmanager
def _replaced(graph: Graph, replace: Mapping[int, Replacement], tensor_ops: _Ops) -> Iterator[None]:
    """Every replaced node's ``call`` swapped for its replacement (while tracing)."""
    with ExitStack() as stack:
        for index, replacement in replace.items():
            stack.enter_context(_swapped(graph.nodes[index], replacement, tensor_ops))
        yield


def _compile(
    model: keras.Model,
    graph: Graph,
    objective: Objective | None,
    keep: tuple[int, ...],
    wrt: tuple[int, ...],
    replace: Mapping[int, Replacement],
):
    """A tf.function (images, extra) -> (outputs, values, classes, gradients, leaves), where
    ``extra`` is the objective's classes or weights (ignored for a top-k objective), and a list
    that its trace fills: for each leaf, whether it has the batch's leading axis."""
    nodes = sorted({*keep, *wrt, *([objective.node] if objective else [])} - {0})
    inner = keras.Model(model.inputs, [graph.nodes[i].layer.output for i in nodes])
    count = objective.count if objective is not None else 0
    batched: list[bool] = []

    def run(images: tf.Tensor, extra: tf.Tensor):
        with tf.GradientTape(persistent=count > 1, watch_accessed_variables=False) as tape:
            # Watching the input records every operation, also in models with frozen weights.
            tape.watch(images)
            tensor_ops = _Ops(model.inputs[0].dtype, tape)
            with _replaced(graph, replace, tensor_ops):
                values = inner(images, training=False)
            outputs = {0: images, **dict(zip(nodes, _as_list(values), strict=True))}
            scores, chosen = (None, None)
            if objective is not None:
                scores, chosen = _objective_values(objective, outputs[objective.node], extra)
                totals = [tf.reduce_sum(scores[:, j]) for j in range(count)]
        sources = [outputs[i] for i in wrt] + tensor_ops.leaves
        # The batch axis is the only one of unknown size while tracing.
        batched[:] = [bool(leaf.shape.rank) and leaf.shape[0] is None for leaf in tensor_ops.leaves]
        gradients = []
        if objective is not None and sources:
            # One call per objective (a non-persistent tape allows one), all sources at once.
            per_objective = [
                tape.gradient(total, sources, unconnected_gradients="zero") for total in totals
            ]
            gradients = [tf.stack(list(grads)) for grads in zip(*per_objective, strict=True)]
        return (
            [outputs[i] for i in keep],
            scores if scores is not None else tf.zeros(()),
            chosen if chosen is not None else tf.zeros((), tf.int32),
            gradients,
        )

    (image,) = model.inputs
    if objective is not None and objective.weights is not None:
        extra = tf.TensorSpec((None, *objective.weights.shape[1:]), image.dtype)
    else:
        extra = tf.TensorSpec((None, max(count, 1)), tf.int32)
    # One trace for every batch size.
    function = tf.function(
        run, input_signature=[tf.TensorSpec((None, *graph.input_shape), image.dtype), extra]
    )
    return function, batched


def _objective_values(objective: Objective, output: Any, extra: Any) -> tuple[Any, Any]:
    """(N, k) objective values and the (N, k) classes they belong to (``None`` for weights)."""
    if objective.weights is not None:
        products = ops.expand_dims(output, 1) * extra
        return ops.sum(
            ops.reshape(products, (ops.shape(products)[0], objective.count, -1)), -1
        ), None
    chosen = extra if objective.classes is not None else tf.math.top_k(output, k=objective.top)[1]
    return tf.gather(output, chosen, batch_dims=1), chosen


def run(
    model: keras.Model,
    graph: Graph,
    images: np.ndarray,
    *,
    objective: Objective | None = None,
    keep: Sequence[int] = (),
    wrt: Sequence[int] = (),
    replace: Mapping[int, Replacement] | None = None,
) -> Run:
    """See :meth:`mnn.explain.backends.base.Backend.run`."""
    _check_backend()
    replace = dict(replace or {})
    keep, wrt = tuple(keep), tuple(wrt)
    kind = None
    if objective is not None:
        kind = (
            objective.node,
            "weights"
            if objective.weights is not None
            else "classes"
            if objective.classes is not None
            else "top",
            objective.count,
            None if objective.weights is None else objective.weights.shape[2:],
        )
    key = (graph.input_shape, kind, keep, wrt, frozenset(replace.items()))
    functions = _functions.setdefault(model, {})
    first = key not in functions
    if first:
        functions[key] = _compile(model, graph, objective, keep, wrt, replace)
    if objective is not None and objective.weights is not None:
        extra = objective.weights.astype(images.dtype, copy=False)
    elif objective is not None and objective.classes is not None:
        extra = objective.classes.astype(np.int32)
    else:
        extra = np.zeros((len(images), max(objective.count if objective else 0, 1)), np.int32)
    empty = len(images) == 0
    if empty:
        # TensorFlow 2.21's oneDNN convolution returns its input unchanged for an empty batch
        # (where oneDNN is on, as on the AMD EPYC the course was tested on), so the model runs on
        # one image of zeros and every batch axis is cut back to none.
        images = np.zeros((1, *images.shape[1:]), images.dtype)
        extra = np.zeros((1, *extra.shape[1:]), extra.dtype)
    function, batched = functions[key]
    # The first call traces the function and optimises its graph, where TensorFlow may log a
    # notice (mnn._quiet.NOTICES) that would end up in every executed notebook.
    with notices_dropped() if first else nullcontext():
        outputs, values, chosen, gradients = function(
            tf.convert_to_tensor(images), tf.convert_to_tensor(extra)
        )
    rows = slice(0, 0) if empty else slice(None)  # of every batch axis
    stacked = [g.numpy() for g in gradients]
    leaves = stacked[len(wrt) :]
    if empty:  # a leaf without a batch axis has the sum over no image as its gradient
        leaves = [
            g[:, rows] if has_batch else np.zeros_like(g)
            for g, has_batch in zip(leaves, batched, strict=True)
        ]
    return Run(
        outputs={i: o.numpy()[rows] for i, o in zip(keep, outputs, strict=True)},
        values=values.numpy()[rows] if objective is not None else None,
        classes=chosen.numpy()[rows].astype(np.int64)
        if objective is not None and objective.weights is None
        else None,
        gradients={i: g[:, rows] for i, g in zip(wrt, stacked[: len(wrt)], strict=True)},
        leaves=tuple(leaves),
    )


def parameters(node: Node) -> LinearParameters | BatchNormParameters:
    """See :meth:`mnn.explain.backends.base.Backend.parameters`."""
    tensors = _Ops("float32").parameters(node)
    values = {
        field: value
        if isinstance(value, (int, float))
        else np.asarray(ops.convert_to_tensor(value))
        for field, value in vars(tensors).items()
    }
    return type(tensors)(**values)
