"""The PyTorch backend: trace a module into a layer graph, capture a layer, take gradients.

The graph comes from one forward pass on a single image: forward hooks on every module record
which tensors each module reads and writes, and a :class:`~torch.overrides.TorchFunctionMode`
records the functional operations that run between modules (``x + skip``, ``torch.flatten``),
so that residual networks written either way have a connected graph. Containers
(``nn.Sequential``, blocks) become ``alias`` nodes of the tensor they return, so they can be
picked as layers by name.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .base import Capture, Geometry, Graph, Node, kind_from_shapes, pair

layout = "NCHW"

# Graphs per model and input shape, with the modules they were traced from: tracing costs one
# forward pass with hooks, and a model whose modules were replaced since must be traced again.
_graphs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

_PADS = (nn.ConstantPad2d, nn.ReflectionPad2d, nn.ReplicationPad2d)
_SOFTMAX_FUNCTIONS = {"softmax", "log_softmax"}
_RESHAPE_FUNCTIONS = {"flatten", "view", "reshape", "squeeze"}
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
        padding = _conv_padding(module)
        return "conv", Geometry(module.kernel_size, module.stride, padding, module.dilation)
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        kernel = pair(module.kernel_size)
        stride = pair(module.stride if module.stride is not None else kernel)
        dilation = pair(getattr(module, "dilation", 1))
        return "pool", Geometry(kernel, stride, pair(module.padding), dilation)
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
    if isinstance(module, nn.Identity):
        return "alias", None
    if isinstance(module, (nn.Dropout, nn.Dropout2d)):
        return "dropout", None
    if isinstance(module, nn.Linear):
        return "dense", None
    if isinstance(module, nn.Flatten):
        return "flatten", None
    if isinstance(module, (nn.Softmax, nn.LogSoftmax)):
        return "softmax", None
    return None, None


def _function_kind(name: str, args: tuple, kwargs: dict, output: torch.Tensor) -> str | None:
    """The kind of a functional operation outside modules, where its name tells it."""
    if name in _SOFTMAX_FUNCTIONS:
        return "softmax"
    if name == "dropout":
        return "dropout"
    source = args[0] if args and isinstance(args[0], torch.Tensor) else None
    if source is None:
        return None
    # Reshaping a pooled (N, C, 1, 1) or (N, C) vector keeps its values: CAM looks through it.
    if name in _RESHAPE_FUNCTIONS and output.dim() in (2, 3) and output.numel() == source.numel():
        return "flatten"
    if source.dim() != 4:
        return None
    if name in _POOL_ARGUMENTS:
        return "pool"
    if name == "adaptive_avg_pool2d" and pair(args[1] if len(args) > 1 else 1) == (1, 1):
        return "global_average_pool"
    if name == "mean":
        dims = args[1] if len(args) > 1 else kwargs.get("dim")
        if dims is not None and set(dims if isinstance(dims, (tuple, list)) else [dims]) in (
            _SPATIAL_DIMS
        ):
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


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    return []


class _Recorder(TorchFunctionMode):
    """Builds the nodes of one forward pass; see the module docstring."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[Node] = []
        self.producer: dict[int, int] = {}
        self.alive: list[torch.Tensor] = []  # keeps ids unique while tracing
        self.depth = 0  # > 0 while a leaf module runs: its internals are not recorded
        self.pending: list[tuple] = []  # the arguments of the leaf modules that are running

    def add(
        self,
        name: str,
        inputs: list[torch.Tensor],
        outputs: list[torch.Tensor],
        kind: str | None,
        geometry: Geometry | None = None,
        layer: nn.Module | None = None,
    ) -> None:
        known = [self.producer[id(t)] for t in inputs if id(t) in self.producer]
        sources = tuple(dict.fromkeys(known))
        output = outputs[0]
        spatial = tuple(output.shape[-2:]) if output.dim() == 4 else None
        if kind is None:
            grids = [tuple(t.shape[-2:]) if t.dim() == 4 else None for t in inputs]
            same = bool(inputs) and all(t.shape == output.shape for t in inputs)
            kind = kind_from_shapes(grids, spatial, same)
        self.nodes.append(
            Node(
                name=name,
                kind=kind,
                inputs=sources,
                shape=tuple(output.shape[1:]),
                spatial=spatial,
                type_name=type(layer).__name__ if layer is not None else name.split(":")[0],
                geometry=geometry,
                layer=layer,
            )
        )
        for tensor in outputs:
            self.producer[id(tensor)] = len(self.nodes) - 1
        self.alive.extend(inputs + outputs)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if self.depth == 0:
            inputs = [t for t in _tensors((args, kwargs)) if id(t) in self.producer]
            outputs = _tensors(result)
            if inputs and outputs:
                name = getattr(func, "__name__", "op").strip("_")
                kind = _function_kind(name, args, kwargs, outputs[0])
                geometry = _pool_geometry(name, args, kwargs) if kind == "pool" else None
                self.add(f"{name}:{len(self.nodes)}", inputs, outputs, kind, geometry)
        return result


def _trace(model: nn.Module, example: torch.Tensor) -> Graph:
    recorder = _Recorder()
    recorder.add("input", [], [example], "input")
    handles = []

    def before_leaf(module: nn.Module, args: tuple) -> None:
        recorder.depth += 1
        recorder.pending.append(args)

    def after_leaf(name: str):
        def hook(module: nn.Module, args: tuple, output: Any) -> None:
            inputs = _tensors(recorder.pending.pop())
            height, width = inputs[0].shape[-2:] if inputs and inputs[0].dim() == 4 else (0, 0)
            kind, geometry = _module_kind(module, height, width)
            recorder.add(name, inputs, _tensors(output), kind, geometry, module)
            recorder.depth -= 1

        return hook

    def after_container(name: str):
        def hook(module: nn.Module, args: tuple, output: Any) -> None:
            outputs = _tensors(output)
            if outputs and id(outputs[0]) in recorder.producer:
                recorder.add(name, outputs[:1], outputs, "alias", layer=module)

        return hook

    try:
        for name, module in model.named_modules():
            if not name:
                continue
            if next(module.children(), None) is None:
                handles.append(module.register_forward_pre_hook(before_leaf))
                handles.append(module.register_forward_hook(after_leaf(name)))
            else:
                handles.append(module.register_forward_hook(after_container(name)))
        with torch.no_grad(), _evaluation(model), recorder:
            output = model(example)
    finally:
        for handle in handles:
            handle.remove()
    outputs = _tensors(output)
    if len(outputs) != 1:
        raise ValueError(
            f"the model returns {len(outputs)} tensors; CAM and Grad-CAM need a model that "
            "returns one (N, classes) tensor of class scores."
        )
    shape = tuple(example.shape[1:])
    return Graph(
        nodes=tuple(recorder.nodes),
        output=recorder.producer[id(outputs[0])],
        input_shape=shape,
        input_size=(int(shape[-2]), int(shape[-1])),
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


def capture(
    model: nn.Module,
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
    scores of each image. The model runs in evaluation mode.
    """
    module = graph.nodes[layer].layer
    kept: dict[str, list[torch.Tensor]] = {"activations": [], "logits": []}
    # A module called several times per forward pass (one shared self.relu) is kept at the call
    # of the chosen node.
    call = sum(node.layer is module for node in graph.nodes[:layer])
    calls = 0

    def keep_activations(
        module: nn.Module, args: tuple, output: torch.Tensor
    ) -> torch.Tensor | None:
        nonlocal calls
        calls += 1
        if calls - 1 != call:
            return None
        kept["activations"].append(output)
        # Later layers get a copy, so that in-place operations after this layer (ReLU(inplace))
        # cannot overwrite the values and the gradients we read here.
        return output.clone()

    def keep_logits(module: nn.Module, args: tuple, output: torch.Tensor) -> None:
        kept["logits"].append(output)

    handles = [module.register_forward_hook(keep_activations)]
    if score != graph.output:
        handles.append(graph.nodes[score].layer.register_forward_hook(keep_logits))
    x = torch.from_numpy(np.ascontiguousarray(images))
    try:
        with torch.set_grad_enabled(gradients), _evaluation(model):
            output = model(x.requires_grad_(gradients))
    finally:
        for handle in handles:
            handle.remove()
    (activations,) = kept["activations"]
    logits = kept["logits"][0] if kept["logits"] else output
    chosen = torch.from_numpy(classes) if classes is not None else logits.topk(top, dim=1).indices
    grads = None
    if gradients:
        scores = logits.gather(1, chosen)
        grads = np.stack(
            [
                torch.autograd.grad(
                    scores[:, j].sum(), activations, retain_graph=j < chosen.shape[1] - 1
                )[0].numpy()
                for j in range(chosen.shape[1])
            ]
        )
    return Capture(
        activations=activations.detach().numpy(),
        gradients=grads,
        logits=logits.detach().numpy(),
        classes=chosen.numpy(),
    )


def dense_parameters(node: Node) -> tuple[np.ndarray, np.ndarray]:
    """(W, b): the (K, C) weight and (K,) bias of an ``nn.Linear`` node."""
    linear = node.layer
    bias = linear.bias.detach().numpy() if linear.bias is not None else None
    weight = linear.weight.detach().numpy()
    return weight, bias if bias is not None else np.zeros(weight.shape[0], weight.dtype)
