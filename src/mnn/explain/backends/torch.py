"""The PyTorch backend: trace a module into a layer graph, and run it with nodes kept or replaced.

The graph comes from one forward pass on a single image: forward hooks on every module record
which tensors each module reads and writes, and a :class:`~torch.overrides.TorchFunctionMode`
records the functional operations that run between modules (``x + skip``, ``F.relu``,
``torch.flatten``), so that models written either way have a connected graph. Containers
(``nn.Sequential``, blocks) become ``alias`` nodes of the tensor they return, so they can be
picked as layers by name.

A run hooks only the modules of the nodes it needs; when a functional operation is among them,
the recorder replays the trace on the live forward pass to find it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from .base import (
    WINDOWS,
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

layout = "NCHW"

# Graphs per model and input shape, with the modules they were traced from: tracing costs one
# forward pass with hooks, and a model whose modules were replaced since must be traced again.
_graphs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

_PADS = (nn.ConstantPad2d, nn.ReflectionPad2d, nn.ReplicationPad2d, nn.ZeroPad2d)
_ACTIVATIONS = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU,
    nn.Mish, nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardswish, nn.Hardsigmoid, nn.Softplus,
)  # fmt: skip
_BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.SyncBatchNorm)
_NORMS = (nn.LayerNorm, nn.GroupNorm, nn.InstanceNorm2d, nn.LocalResponseNorm)
_FUNCTION_KINDS = {
    "softmax": "softmax",
    "log_softmax": "softmax",
    "dropout": "dropout",
    "layer_norm": "norm",
    "group_norm": "norm",
    "instance_norm": "norm",
    "batch_norm": "norm",  # functional: its statistics are not parameters of a module
    **dict.fromkeys(
        ("relu", "relu6", "hardtanh", "leaky_relu", "elu", "selu", "celu", "gelu", "silu",
         "mish", "sigmoid", "tanh", "hardswish", "hardsigmoid", "softplus"),
        "activation",
    ),
}  # fmt: skip
_ADD = {"add", "iadd", "radd"}
_MULTIPLY = {"mul", "imul", "rmul"}
_CONCAT = {"cat", "concat", "concatenate"}
_RESHAPE = {"flatten", "view", "reshape", "squeeze"}
_PERMUTE = {"permute", "transpose", "movedim", "swapaxes"}
# Copies that keep every value where it is, e.g. EfficientNetLite0.forward's conversion of its
# input to the channels_last memory format (same shape, another order in memory).
_COPY = {"contiguous", "clone"}
_SPATIAL_DIMS = ({2, 3}, {-2, -1})
# The functional pooling of forward() (F.max_pool2d(x, 2)) and the names of its arguments.
_POOL_ARGUMENTS = {
    "max_pool2d": ("kernel_size", "stride", "padding", "dilation"),
    "avg_pool2d": ("kernel_size", "stride", "padding"),
}


def dtype(model: nn.Module) -> np.dtype:
    """The dtype of the model's first floating parameter (float32 for a model without any)."""
    for parameter in model.parameters():
        if parameter.is_floating_point():
            return np.dtype(str(parameter.dtype).removeprefix("torch."))
    return np.dtype(np.float32)


@contextmanager
def _evaluation(model: nn.Module) -> Iterator[None]:
    """Run in evaluation mode (dropout off, BatchNorm on running statistics), as Keras'
    ``training=False``; every module's own mode is restored afterwards."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _conv_padding(module: nn.Conv2d) -> tuple[int, int]:
    if module.padding == "valid":
        return 0, 0
    if module.padding == "same":
        # PyTorch puts the odd zero after, like TensorFlow (stride is 1 for "same").
        kernel, dilation = module.kernel_size, module.dilation
        return tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation, strict=True))
    return pair(module.padding)


def _module_kind(module: nn.Module, height: int, width: int) -> tuple[str | None, Geometry | None]:
    """The kind and geometry of a leaf module on an input of ``height`` x ``width``."""
    if isinstance(module, nn.Conv2d):
        geometry = Geometry(
            module.kernel_size, module.stride, _conv_padding(module), module.dilation
        )
        depthwise = module.groups > 1 and module.groups == module.in_channels
        return ("depthwise_conv" if depthwise else "conv"), geometry
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        kernel = pair(module.kernel_size)
        stride = pair(module.stride if module.stride is not None else kernel)
        dilation = pair(getattr(module, "dilation", 1))
        kind = "max_pool" if isinstance(module, nn.MaxPool2d) else "avg_pool"
        return kind, Geometry(kernel, stride, pair(module.padding), dilation)
    if callable(getattr(module, "padding", None)):
        # Padding that depends on the input size (TensorFlow "SAME" before a convolution):
        # such a module says how much with padding(height, width) -> (left, right, top, bottom).
        left, _right, top, _bottom = module.padding(height, width)
        return "pad", Geometry((1, 1), (1, 1), (top, left))
    if isinstance(module, _PADS):
        left, _right, top, _bottom = module.padding
        return "pad", Geometry((1, 1), (1, 1), (top, left))
    if isinstance(module, nn.AdaptiveAvgPool2d) and pair(module.output_size) == (1, 1):
        return "global_average_pool", None
    kinds = (
        (_ACTIVATIONS, "activation"),
        (_BATCH_NORMS, "batch_norm"),
        (_NORMS, "norm"),
        (nn.Identity, "alias"),
        ((nn.Dropout, nn.Dropout2d), "dropout"),
        (nn.Linear, "dense"),
        (nn.Flatten, "flatten"),
        ((nn.Softmax, nn.LogSoftmax), "softmax"),
    )
    for classes, kind in kinds:
        if isinstance(module, classes):
            return kind, None
    return None, None


def _dims(args: tuple, kwargs: dict, key: str = "dim") -> set[int] | None:
    """The dimensions an operation is applied over (``x.mean((2, 3))``, ``torch.cat(xs, 1)``)."""
    dims = args[1] if len(args) > 1 else kwargs.get(key)
    if dims is None:
        return None
    return set(dims) if isinstance(dims, (tuple, list)) else {dims}


def _function_kind(
    name: str, args: tuple, kwargs: dict, inputs: list[torch.Tensor], output: torch.Tensor
) -> str | None:
    """The kind of a functional operation outside modules, where its name tells it."""
    if name in _FUNCTION_KINDS:
        return _FUNCTION_KINDS[name]
    if name in _ADD | _MULTIPLY:
        if len(inputs) < 2:
            return "pointwise"
        return "add" if name in _ADD else "multiply"
    if name in _CONCAT:
        return "concat" if output.dim() == 4 and _dims(args, kwargs) & {1, -3} else "other"
    if name in _PERMUTE:
        return "permute"
    source = args[0] if args and isinstance(args[0], torch.Tensor) else None
    if source is None:
        return None
    if name in _COPY and output.shape == source.shape:
        return "alias"
    # Reshaping a pooled (N, C, 1, 1) or (N, C) vector keeps its values: CAM looks through it.
    if name in _RESHAPE and output.dim() in (2, 3) and output.numel() == source.numel():
        return "flatten"
    if source.dim() != 4:
        return None
    if name in _POOL_ARGUMENTS:
        return "max_pool" if name == "max_pool2d" else "avg_pool"
    if name == "adaptive_avg_pool2d" and pair(args[1] if len(args) > 1 else 1) == (1, 1):
        return "global_average_pool"
    if name == "mean" and _dims(args, kwargs) in _SPATIAL_DIMS:
        return "global_average_pool"
    return None


def _pool_geometry(name: str, args: tuple, kwargs: dict) -> Geometry:
    """The geometry of ``F.max_pool2d`` or ``F.avg_pool2d`` called with ``args`` and ``kwargs``."""
    # Positional arguments may stop early or go on past these (ceil_mode).
    values = dict(zip(_POOL_ARGUMENTS[name], args[1:], strict=False))
    values.update({key: kwargs[key] for key in _POOL_ARGUMENTS[name] if key in kwargs})
    kernel = pair(values["kernel_size"])
    stride = values.get("stride")
    return Geometry(
        kernel,
        pair(stride) if stride else kernel,
        pair(values.get("padding", 0)),
        pair(values.get("dilation", 1)),
    )


NCHW = (0, 1, 2, 3)


def _reordered(name: str, args: tuple, order: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """The axis order of a 4-D tensor after ``x.permute(...)`` or ``x.transpose(a, b)``, given
    its order before (:data:`NCHW` for the model's own layout); ``None`` when unknown."""
    dims = args[1] if len(args) == 2 and isinstance(args[1], (tuple, list)) else args[1:]
    if order is None or not all(isinstance(d, int) for d in dims):
        return None
    dims = [d % 4 for d in dims]
    if name == "permute" and sorted(dims) == list(NCHW):
        return tuple(order[d] for d in dims)
    if name in ("transpose", "swapaxes") and len(dims) == 2:
        swapped = list(order)
        swapped[dims[0]], swapped[dims[1]] = order[dims[1]], order[dims[0]]
        return tuple(swapped)
    return None


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    return []


class _Recorder(TorchFunctionMode):
    """Numbers the modules and functional operations of one forward pass as graph nodes.

    While tracing (``graph is None``) it builds the nodes; while replaying a traced graph it
    checks that the pass makes the same nodes and hands each one to ``visit``, which may replace
    its output.
    """

    def __init__(self, graph: Graph | None = None, visit: Any = None) -> None:
        super().__init__()
        self.graph, self.visit = graph, visit
        self.nodes: list[Node] = []
        self.producer: dict[int, int] = {}
        # Per 4-D tensor, which axes of NCHW it holds, in order (a ConvNeXt block permutes to
        # NHWC and back): only NCHW tensors have a spatial grid.
        self.order: dict[int, tuple[int, ...] | None] = {}
        self.alive: list[torch.Tensor] = []  # keeps ids unique during the pass
        self.depth = 0  # > 0 while a leaf module runs: its internals are not recorded
        self.pending: list[tuple] = []  # the arguments of the leaf modules that are running
        # While tracing, the kinds of the operations a running leaf module applies to its own
        # arguments: a module without parameters that applies one (an Add module's x + skip)
        # is of that kind.
        self.inner: list[str | None] = []

    def add(
        self,
        name: str,
        inputs: list[torch.Tensor],
        outputs: list[torch.Tensor],
        kind: str | None,
        geometry: Geometry | None = None,
        layer: nn.Module | None = None,
        order: tuple[int, ...] | None = NCHW,
    ) -> torch.Tensor | None:
        """Record a node; returns a replacement of its first output while replaying."""
        known = [self.producer[id(t)] for t in inputs if id(t) in self.producer]
        sources = tuple(dict.fromkeys(known))
        output = outputs[0]
        if kind != "permute":
            orders = {self.order.get(id(t), NCHW) for t in inputs if t.dim() == 4}
            order = orders.pop() if len(orders) == 1 else NCHW
        spatial = tuple(output.shape[-2:]) if output.dim() == 4 and order == NCHW else None
        if kind is None:
            grids = [tuple(t.shape[-2:]) if t.dim() == 4 else None for t in inputs]
            same = bool(inputs) and all(t.shape == output.shape for t in inputs)
            kind = kind_from_shapes(grids, spatial, same)
        index = len(self.nodes)
        node = Node(
            name=name if layer is not None or index == 0 else f"{name}:{index}",
            kind=kind,
            inputs=sources,
            shape=tuple(output.shape[1:]),
            spatial=spatial,
            type_name=type(layer).__name__ if layer is not None else name,
            geometry=geometry,
            layer=layer,
        )
        replaced = None
        if self.graph is not None:
            node = self._check(node)
            # What a replacement computes is not part of the model's trace.
            self.depth += 1
            try:
                replaced = self.visit(index, inputs, output)
            finally:
                self.depth -= 1
        self.nodes.append(node)
        for tensor in [*outputs, *([replaced] if replaced is not None else [])]:
            self.producer[id(tensor)] = index
            self.order[id(tensor)] = order
        self.alive.extend(inputs + outputs + ([replaced] if replaced is not None else []))
        return replaced

    def _check(self, node: Node) -> Node:
        index = len(self.nodes)
        traced = self.graph.nodes[index] if index < len(self.graph.nodes) else None
        if traced is None or (traced.name, traced.shape) != (node.name, node.shape):
            raise RuntimeError(
                f"the model's forward pass differs from the one traced: operation {index} is "
                f"{node.name!r} now, {traced.name if traced else 'nothing'!r} when traced. "
                "mnn.explain needs a forward pass whose operations do not depend on the batch."
            )
        return traced

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if self.depth == 0:
            inputs = [t for t in _tensors((args, kwargs)) if id(t) in self.producer]
            outputs = _tensors(result)
            if inputs and outputs:
                name = getattr(func, "__name__", "op").strip("_")
                kind = _function_kind(name, args, kwargs, inputs, outputs[0])
                geometry = _pool_geometry(name, args, kwargs) if name in _POOL_ARGUMENTS else None
                order = _reordered(name, args, self.order.get(id(inputs[0]), NCHW))
                replaced = self.add(name, inputs, outputs, kind, geometry, order=order)
                if replaced is not None:
                    return replaced
        elif self.depth == 1 and self.graph is None and self.pending:
            arguments = {id(t) for t in _tensors(self.pending[-1])}
            inputs = [t for t in _tensors((args, kwargs)) if id(t) in arguments]
            outputs = _tensors(result)
            if inputs and outputs:
                name = getattr(func, "__name__", "op").strip("_")
                self.inner.append(_function_kind(name, args, kwargs, inputs, outputs[0]))
        return result


@contextmanager
def _recording(model: nn.Module, recorder: _Recorder) -> Iterator[None]:
    """Hooks on every module of ``model`` that report to ``recorder``, and the recorder itself
    active, for one forward pass."""

    def before_leaf(module: nn.Module, args: tuple) -> tuple | None:
        recorder.depth += 1
        recorder.pending.append(args)
        if recorder.depth == 1:
            recorder.inner = []
        # While replaying, an in-place module must leave its input for a replacement to read.
        replaying = recorder.graph is not None and getattr(module, "inplace", False)
        return _unshared(args) if replaying else None

    def after_leaf(name: str):
        def hook(module: nn.Module, args: tuple, output: Any) -> Any:
            inputs = _tensors(recorder.pending.pop())
            height, width = inputs[0].shape[-2:] if inputs and inputs[0].dim() == 4 else (0, 0)
            kind, geometry = _module_kind(module, height, width)
            stateless = not any(True for _ in module.parameters()) and not any(
                True for _ in module.buffers()
            )
            if kind is None and stateless and len(recorder.inner) == 1:
                inner = recorder.inner[0]
                kind = inner if inner not in WINDOWS else None
            recorder.depth -= 1
            return recorder.add(name, inputs, _tensors(output), kind, geometry, module)

        return hook

    def after_container(name: str):
        def hook(module: nn.Module, args: tuple, output: Any) -> Any:
            outputs = _tensors(output)
            if outputs and id(outputs[0]) in recorder.producer:
                return recorder.add(name, outputs[:1], outputs, "alias", layer=module)
            return None

        return hook

    handles = []
    try:
        for name, module in model.named_modules():
            if not name:
                continue
            if next(module.children(), None) is None:
                handles.append(module.register_forward_pre_hook(before_leaf))
                handles.append(module.register_forward_hook(after_leaf(name)))
            else:
                handles.append(module.register_forward_hook(after_container(name)))
        with recorder:
            yield
    finally:
        for handle in handles:
            handle.remove()


def _trace(model: nn.Module, example: torch.Tensor) -> Graph:
    recorder = _Recorder()
    recorder.add("input", [], [example], "input")
    with torch.no_grad(), _evaluation(model), _recording(model, recorder):
        output = model(example)
    outputs = _tensors(output)
    if len(outputs) != 1:
        raise ValueError(
            f"the model returns {len(outputs)} tensors; mnn.explain needs a model that returns "
            "one (N, classes) tensor of class scores."
        )
    shape = tuple(example.shape[1:])
    return Graph(
        nodes=tuple(recorder.nodes),
        output=recorder.producer[id(outputs[0])],
        input_shape=shape,
        input_size=(int(shape[-2]), int(shape[-1])) if len(shape) == 3 else None,
    )


def _input_channels(model: nn.Module) -> int:
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            return module.in_channels
    raise ValueError(
        "cannot tell how many channels the model's input has (it has no nn.Conv2d); pass "
        "input_size together with a batch, e.g. through grad_cam, first."
    )


def graph(model: nn.Module, input_shape: tuple[int, ...] | None) -> Graph:
    """The layer graph of ``model`` for one (C, H, W) input (traced once per set of modules).

    ``input_shape`` may be (H, W) alone: the channels are then those of a graph traced earlier
    for that size, or the ``in_channels`` of the first ``nn.Conv2d``.
    """
    if input_shape is None:
        raise ValueError(
            "a PyTorch module does not declare its input size: pass input_size=(H, W)."
        )
    # The traced nodes keep their modules alive, so an id here cannot be reused by a new module.
    modules = tuple((name, id(module)) for name, module in model.named_modules())
    if model not in _graphs or _graphs[model][0] != modules:
        _graphs[model] = (modules, {})
    cached = _graphs[model][1]
    if len(input_shape) == 2:
        matches = [shape for shape in cached if shape[1:] == tuple(input_shape)]
        input_shape = matches[0] if matches else (_input_channels(model), *input_shape)
    input_shape = tuple(int(n) for n in input_shape)
    if input_shape not in cached:
        example = torch.zeros((1, *input_shape), dtype=getattr(torch, dtype(model).name))
        try:
            cached[input_shape] = _trace(model, example)
        except RuntimeError as error:
            raise ValueError(
                f"the model cannot run on images of shape {input_shape} (C, H, W): {error}"
            ) from error
    return cached[input_shape]


class _Ops:
    """:class:`~mnn.explain.backends.base.TensorOps` on PyTorch tensors, for one run."""

    def __init__(self, dtype: torch.dtype) -> None:
        self.dtype = dtype
        self.leaves: list[torch.Tensor] = []

    def parameters(self, node: Node) -> LinearParameters | BatchNormParameters:
        module = node.layer
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            bias = (
                module.bias
                if module.bias is not None
                else module.weight.new_zeros(module.weight.shape[0])
            )
            return LinearParameters(module.weight, bias, getattr(module, "groups", 1))
        if isinstance(module, _BATCH_NORMS):
            channels = module.num_features
            ones = torch.ones(channels, dtype=self.dtype)
            return BatchNormParameters(
                scale=module.weight if module.affine else ones,
                shift=module.bias if module.affine else torch.zeros_like(ones),
                mean=module.running_mean if module.running_mean is not None else ones * 0,
                variance=module.running_var if module.running_var is not None else ones,
                epsilon=float(module.eps),
            )
        raise ValueError(
            f"layer {node.name!r} ({node.type_name}) has no parameters mnn.explain can read: "
            "only nn.Conv2d, nn.Linear and BatchNorm layers do."
        )

    def linear(self, node: Node, x: torch.Tensor, weight: Any, bias: Any) -> torch.Tensor:
        module = node.layer
        if isinstance(module, nn.Linear):
            return F.linear(x, weight, bias)
        if not isinstance(module, nn.Conv2d):
            raise ValueError(f"layer {node.name!r} ({node.type_name}) is not a linear layer.")
        padding = module.padding
        if module.padding_mode != "zeros":
            x = F.pad(x, module._reversed_padding_repeated_twice, mode=module.padding_mode)
            padding = 0
        return F.conv2d(x, weight, bias, module.stride, padding, module.dilation, module.groups)

    def activate(self, node: Node, z: torch.Tensor) -> torch.Tensor:
        return z

    def normalize(
        self, node: Node, x: torch.Tensor, parameters: BatchNormParameters
    ) -> torch.Tensor:
        p = parameters
        return F.batch_norm(x, p.mean, p.variance, p.scale, p.shift, False, 0.0, p.epsilon)

    def stop_gradient(self, x: torch.Tensor) -> torch.Tensor:
        return x.detach()

    def constant(self, value: np.ndarray) -> torch.Tensor:
        # A copy: constants never alias the caller's (possibly read-only) arrays.
        return torch.tensor(np.asarray(value), dtype=self.dtype)

    def leaf(self, value: Any) -> torch.Tensor:
        tensor = value if isinstance(value, torch.Tensor) else self.constant(value)
        tensor = tensor.detach().clone().requires_grad_(True)
        self.leaves.append(tensor)
        return tensor

    def where(self, condition: Any, x: Any, y: Any) -> torch.Tensor:
        return torch.where(condition, x, y)

    def clip(self, x: torch.Tensor, low: float | None, high: float | None) -> torch.Tensor:
        return torch.clamp(x, min=low, max=high)

    def sign(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sign(x)

    def zeros_like(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x)

    def broadcast_to(self, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return torch.broadcast_to(x, like.shape)


class _Session:
    """One run's bookkeeping: which nodes to keep or replace, and what they produced."""

    def __init__(
        self,
        graph: Graph,
        kept: set[int],
        wrt: set[int],
        replace: Mapping[int, Replacement],
        ops: _Ops,
    ) -> None:
        self.graph, self.kept_nodes, self.wrt, self.replace, self.ops = (
            graph,
            kept,
            wrt,
            replace,
            ops,
        )
        self.outputs: dict[int, torch.Tensor] = {}

    @property
    def targets(self) -> set[int]:
        return (self.kept_nodes | set(self.replace)) - {0}

    def visit(
        self, index: int, inputs: Sequence[torch.Tensor], output: torch.Tensor
    ) -> torch.Tensor | None:
        """What node ``index`` passes on: its replacement, a copy of an output that is kept
        (so that in-place operations after it, ``ReLU(inplace=True)``, cannot overwrite the
        values and gradients read here), or ``None`` for its own output."""
        if index not in self.targets:
            return None
        if index in self.replace:
            output = self.replace[index](self.ops, self.graph.nodes[index], list(inputs), output)
        if index in self.wrt and not output.requires_grad:
            # A model with frozen weights, differentiated with respect to an inner layer only.
            output = output.detach().requires_grad_(True)
        if index in self.kept_nodes:
            self.outputs[index] = output
            return output.clone()
        return output

    @contextmanager
    def hooks(self, model: nn.Module, x: torch.Tensor) -> Iterator[None]:
        """The visits done by hooks on the modules of the target nodes, or by replaying the
        trace when a target is a functional operation."""
        nodes = self.graph.nodes
        if any(nodes[i].layer is None for i in self.targets):
            recorder = _Recorder(self.graph, self.visit)
            recorder.add("input", [], [x], "input")
            with _recording(model, recorder):
                yield
            return
        calls: dict[int, list[int]] = {}  # module id -> its node indices, one per call
        for index, node in enumerate(nodes):
            calls.setdefault(id(node.layer), []).append(index)
        with ExitStack() as stack:
            for module in {id(nodes[i].layer): nodes[i].layer for i in self.targets}.values():
                stack.enter_context(self._hook(module, calls[id(module)]))
            yield

    @contextmanager
    def _hook(self, module: nn.Module, indices: list[int]) -> Iterator[None]:
        count = 0
        originals: list[tuple] = []

        def before(module: nn.Module, args: tuple) -> tuple:
            originals.append(args)
            return _unshared(args)

        def hook(module: nn.Module, args: tuple, output: Any) -> Any:
            nonlocal count
            index = indices[count] if count < len(indices) else -1
            count += 1
            return self.visit(index, _tensors(originals.pop() if originals else args), output)

        handles = [module.register_forward_hook(hook)]
        if getattr(module, "inplace", False) and set(indices) & set(self.replace):
            # An in-place module (ReLU6(inplace=True)) would overwrite the input its
            # replacement reads: it gets a copy.
            handles.append(module.register_forward_pre_hook(before))
        try:
            yield
        finally:
            for handle in handles:
                handle.remove()


def _unshared(args: tuple) -> tuple:
    """Copies of the tensors among ``args``, for a module that works in place."""
    return tuple(a.clone() if isinstance(a, torch.Tensor) else a for a in args)


def _objective_values(
    objective: Objective, output: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(N, k) objective values and the (N, k) classes they belong to (``None`` for weights)."""
    if objective.weights is not None:
        weights = torch.as_tensor(objective.weights, dtype=output.dtype)
        return (weights * output.unsqueeze(1)).flatten(2).sum(-1), None
    if objective.classes is not None:
        chosen = torch.as_tensor(objective.classes, dtype=torch.int64)
    else:
        chosen = output.topk(objective.top, dim=1).indices
    return output.gather(1, chosen), chosen


def _gradients(values: torch.Tensor, sources: list[torch.Tensor]) -> list[np.ndarray]:
    """For each source, the (k, ...) gradients of the k columns of ``values`` (N, k), each
    summed over the batch (images do not interact, so each image gets its own gradient)."""
    count = values.shape[1]
    per_objective = [
        torch.autograd.grad(
            values[:, j].sum(),
            sources,
            retain_graph=j < count - 1,
            allow_unused=True,
            materialize_grads=True,
        )
        for j in range(count)
    ]
    return [np.stack([grads[i].numpy() for grads in per_objective]) for i in range(len(sources))]


def run(
    model: nn.Module,
    graph: Graph,
    images: np.ndarray,
    *,
    objective: Objective | None = None,
    keep: Sequence[int] = (),
    wrt: Sequence[int] = (),
    replace: Mapping[int, Replacement] | None = None,
) -> Run:
    """See :meth:`mnn.explain.backends.base.Backend.run`.

    Works inside ``torch.no_grad()`` and ``torch.inference_mode()``: gradients are enabled for
    the run only, and every module's train/eval mode is restored.
    """
    ops = _Ops(getattr(torch, dtype(model).name))
    wanted = set(keep) | set(wrt) | ({objective.node} if objective is not None else set())
    session = _Session(graph, wanted - {0}, set(wrt), replace or {}, ops)
    differentiate = objective is not None and bool(wrt or replace)
    with torch.inference_mode(False), torch.set_grad_enabled(differentiate), _evaluation(model):
        x = torch.from_numpy(np.ascontiguousarray(images)).requires_grad_(0 in wrt)
        with session.hooks(model, x):
            output = model(x)
        outputs = {0: x, **session.outputs}
        outputs.setdefault(graph.output, output)
        values = classes = None
        gradients: dict[int, np.ndarray] = {}
        leaves: tuple[np.ndarray, ...] = ()
        if objective is not None:
            values, classes = _objective_values(objective, outputs[objective.node])
            sources = [outputs[i] for i in wrt] + ops.leaves
            if sources:
                stacked = _gradients(values, sources)
                gradients = dict(zip(wrt, stacked[: len(wrt)], strict=True))
                leaves = tuple(stacked[len(wrt) :])
    return Run(
        outputs={i: outputs[i].detach().numpy() for i in keep},
        values=values.detach().numpy() if values is not None else None,
        classes=classes.numpy() if classes is not None else None,
        gradients=gradients,
        leaves=leaves,
    )


def parameters(node: Node) -> LinearParameters | BatchNormParameters:
    """See :meth:`mnn.explain.backends.base.Backend.parameters`."""
    tensors = _Ops(torch.float32).parameters(node)
    values = {
        field: value.detach().numpy() if isinstance(value, torch.Tensor) else value
        for field, value in vars(tensors).items()
    }
    return type(tensors)(**values)
