"""The backend contract: both backends provide it, and what they compute equals the frameworks'
own autograd, their own layers and finite differences."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch
from torch import nn

import mnn.explain.backends.keras as keras_backend
import mnn.explain.backends.torch as torch_backend
from mnn.explain.backends import backend_of
from mnn.explain.backends.base import (
    BACKEND_MEMBERS,
    KINDS,
    TENSOR_OPS_MEMBERS,
    Backend,
    BatchNormParameters,
    Objective,
    TensorOps,
)

EXPLAIN = Path(__file__).resolve().parents[1] / "src" / "mnn" / "explain"
FRAMEWORK_IMPORT = re.compile(r"^\s*(import|from)\s+(torch|tensorflow|keras)\b", re.M)
BACKENDS = {"torch": torch_backend, "keras": keras_backend}
OPS = {"torch": torch_backend._Ops, "keras": keras_backend._Ops}
RNG = np.random.default_rng(7)


def _parameters(function) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]


@pytest.mark.parametrize("framework", BACKENDS)
def test_each_backend_provides_the_contract_with_its_signatures(framework):
    backend = BACKENDS[framework]
    for name in BACKEND_MEMBERS:
        assert hasattr(backend, name), name
        contract = getattr(Backend, name, None)
        if callable(contract):
            assert _parameters(getattr(backend, name)) == _parameters(contract), name
        else:
            assert name in Backend.__annotations__, name
    for name in TENSOR_OPS_MEMBERS:
        assert _parameters(getattr(OPS[framework], name)) == _parameters(getattr(TensorOps, name))
    assert {name for name in vars(TensorOps) if not name.startswith("_")} == set(TENSOR_OPS_MEMBERS)
    assert backend.layout == {"torch": "NCHW", "keras": "NHWC"}[framework]


def test_every_kind_a_backend_assigns_is_declared():
    model = mixed_torch_net()
    graph = torch_backend.graph(model, (3, 9, 9))
    assert {node.kind for node in graph.nodes} <= set(KINDS)
    keras_graph = keras_backend.graph(mixed_keras_net(), None)
    assert {node.kind for node in keras_graph.nodes} <= set(KINDS)
    kinds = {node.name: node.kind for node in keras_graph.nodes}
    assert kinds == {
        "input": "input",
        "conv": "conv",
        "bn": "batch_norm",
        "relu": "activation",
        "depthwise": "depthwise_conv",
        "add": "add",
        "pool": "max_pool",
        "gap": "global_average_pool",
        "dense": "dense",
    }


def mixed_torch_net() -> nn.Module:
    """conv, BatchNorm, ReLU6, depthwise conv, residual sum, max pool, GAP, dense (float64)."""

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(3)
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.bn = nn.BatchNorm2d(4)
            self.relu = nn.ReLU6()
            self.depthwise = nn.Conv2d(4, 8, 3, padding=1, groups=4, bias=False)
            self.grouped = nn.Conv2d(8, 4, 1, groups=2)
            self.pool = nn.MaxPool2d(2)
            self.dense = nn.Linear(4, 5)
            with torch.no_grad():
                self.bn.running_mean.uniform_(-0.5, 0.5)
                self.bn.running_var.uniform_(0.5, 2.0)
                self.bn.weight.uniform_(0.5, 1.5)
                self.bn.bias.uniform_(-0.2, 0.2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.relu(self.bn(self.conv(x)))
            y = self.grouped(self.depthwise(y)) + y
            return self.dense(self.pool(y).mean((2, 3)))

    return Net().double()


def mixed_keras_net() -> keras.Model:
    keras.utils.set_random_seed(3)
    layers = keras.layers
    image = keras.Input((9, 9, 3))
    y = layers.Conv2D(4, 3, padding="same", name="conv")(image)
    y = layers.BatchNormalization(name="bn")(y)
    y = layers.ReLU(max_value=6.0, name="relu")(y)
    z = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=1, name="depthwise")(y)
    y = layers.Add(name="add")([z, y])
    y = layers.MaxPooling2D(2, name="pool")(y)
    y = layers.GlobalAveragePooling2D(name="gap")(y)
    model = keras.Model(image, layers.Dense(5, name="dense")(y))
    bn = model.get_layer("bn")
    bn.set_weights([RNG.uniform(0.5, 1.5, 4), RNG.uniform(-0.2, 0.2, 4),
                    RNG.uniform(-0.5, 0.5, 4), RNG.uniform(0.5, 2.0, 4)])  # fmt: skip
    return model


@pytest.fixture(scope="module")
def torch_images() -> np.ndarray:
    return RNG.standard_normal((2, 3, 9, 9))


def _index(graph, name: str) -> int:
    return next(i for i, node in enumerate(graph.nodes) if node.name == name)


def test_torch_input_and_node_gradients_equal_autograd_and_finite_differences(torch_images):
    model = mixed_torch_net().eval()
    graph = torch_backend.graph(model, torch_images.shape[1:])
    relu = _index(graph, "relu")
    run = torch_backend.run(
        model, graph, torch_images, objective=Objective(graph.output, top=2), wrt=(0, relu)
    )
    x = torch.from_numpy(torch_images).requires_grad_()
    hidden = model.relu(model.bn(model.conv(x)))
    logits = model.dense(model.pool(model.grouped(model.depthwise(hidden)) + hidden).mean((2, 3)))
    top = logits.topk(2, dim=1).indices
    np.testing.assert_array_equal(run.classes, top.numpy())
    for j in range(2):
        wrt_x, wrt_hidden = torch.autograd.grad(
            logits.gather(1, top)[:, j].sum(), (x, hidden), retain_graph=True
        )
        np.testing.assert_allclose(run.gradients[0][j], wrt_x.numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(run.gradients[relu][j], wrt_hidden.numpy(), atol=1e-13)
    # Central differences of the top class's score along a random direction of the input.
    direction = RNG.standard_normal(torch_images.shape)
    classes = run.classes[:, :1]

    def score(images: np.ndarray) -> float:
        out = torch_backend.run(model, graph, images, objective=Objective(graph.output, classes))
        return float(out.values.sum())

    step = 1e-6
    numeric = (score(torch_images + step * direction) - score(torch_images - step * direction)) / (
        2 * step
    )
    assert numeric == pytest.approx(float((run.gradients[0][0] * direction).sum()), rel=1e-6)


@pytest.mark.parametrize("frozen", [False, True])
def test_keras_input_and_node_gradients_equal_gradient_tape(frozen):
    model = mixed_keras_net()
    model.trainable = not frozen
    images = RNG.standard_normal((2, 9, 9, 3)).astype(np.float32)
    graph = keras_backend.graph(model, None)
    relu = _index(graph, "relu")
    classes = np.array([[1, 4], [0, 2]])
    run = keras_backend.run(
        model,
        graph,
        images,
        objective=Objective(graph.output, classes),
        wrt=(0, relu),
        keep=(relu,),
    )
    inner = keras.Model(model.inputs, [model.get_layer("relu").output, model.outputs[0]])

    @tf.function
    def reference(x):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            hidden, logits = inner(x)
            scores = tf.gather(logits, classes, batch_dims=1)
            totals = [tf.reduce_sum(scores[:, j]) for j in range(2)]
        grads = [tape.gradient(total, [x, hidden]) for total in totals]
        return hidden, scores, grads

    hidden, scores, grads = reference(tf.constant(images))
    for j, (wrt_x, wrt_hidden) in enumerate(grads):
        np.testing.assert_allclose(run.gradients[0][j], wrt_x.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(run.gradients[relu][j], wrt_hidden.numpy(), atol=1e-6)
    np.testing.assert_allclose(run.outputs[relu], hidden.numpy(), atol=1e-6)
    np.testing.assert_allclose(run.values, scores.numpy(), atol=1e-5)


def test_the_frameworks_agree_on_ported_weights(torch_images):
    """The same network in both frameworks: gradients of weighted objectives agree."""
    model = mixed_torch_net().eval()
    keras_model = mixed_keras_net()
    # Port conv, bn, dense; the Keras net has a depthwise conv with multiplier 1 in place of the
    # PyTorch depthwise + grouped pair, so compare the common prefix instead.
    keras_model.get_layer("conv").set_weights(
        [model.conv.weight.detach().numpy().transpose(2, 3, 1, 0), model.conv.bias.detach().numpy()]
    )
    bn = model.bn
    keras_model.get_layer("bn").set_weights(
        [t.detach().numpy() for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var)]
    )
    keras_model.get_layer("bn").epsilon = bn.eps
    tg = torch_backend.graph(model, torch_images.shape[1:])
    kg = keras_backend.graph(keras_model, None)
    weights = RNG.standard_normal((2, 1, 4, 9, 9))
    torch_run = torch_backend.run(
        model, tg, torch_images, objective=Objective(_index(tg, "relu"), weights=weights), wrt=(0,)
    )
    keras_run = keras_backend.run(
        keras_model,
        kg,
        torch_images.transpose(0, 2, 3, 1).astype(np.float32),
        objective=Objective(_index(kg, "relu"), weights=weights.transpose(0, 1, 3, 4, 2)),
        wrt=(0,),
    )
    np.testing.assert_allclose(keras_run.values, torch_run.values, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        keras_run.gradients[0], torch_run.gradients[0].transpose(0, 1, 3, 4, 2), atol=1e-4
    )


@dataclass(frozen=True)
class Modified:
    """A replacement: the node's linear map with parameters w -> 2 w + 1, b -> b - 0.5."""

    def __call__(self, ops, node, inputs, output):
        parameters = ops.parameters(node)
        return ops.linear(node, inputs[0], 2 * parameters.weight + 1, parameters.bias - 0.5)


TORCH_LAYERS = {
    "conv": lambda: nn.Conv2d(3, 6, 3, stride=2, padding=1, dilation=1),
    "grouped": lambda: nn.Conv2d(4, 6, 3, padding="same", groups=2),
    "depthwise": lambda: nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=4, bias=False),
    "reflect": lambda: nn.Conv2d(3, 2, 3, padding=1, padding_mode="reflect"),
    "dense": lambda: nn.Linear(7, 3),
}


@pytest.mark.parametrize("name", TORCH_LAYERS)
def test_torch_linear_with_modified_parameters_equals_the_layer_built_with_them(name):
    torch.manual_seed(0)
    layer = TORCH_LAYERS[name]().double()
    model = nn.Sequential(OrderedDict(layer=layer, flatten=nn.Flatten())).double()
    shape = (7,) if name == "dense" else (layer.in_channels, 9, 9)
    images = RNG.standard_normal((2, *shape))
    graph = torch_backend.graph(model, shape)
    run = torch_backend.run(model, graph, images, keep=(1,), replace={1: Modified()})
    built = TORCH_LAYERS[name]().double()
    with torch.no_grad():
        built.weight.copy_(2 * layer.weight + 1)
        if built.bias is not None:
            built.bias.copy_(layer.bias - 0.5)
        expected = built(torch.from_numpy(images)).numpy()
    if layer.bias is None:  # the replacement adds its bias -0.5 to a layer that has none
        expected = expected - 0.5 * (np.ones(expected.shape[1])[:, None, None])
    np.testing.assert_allclose(run.outputs[1], expected, rtol=1e-12, atol=1e-12)
    parameters = torch_backend.parameters(graph.nodes[1])
    np.testing.assert_array_equal(parameters.weight, layer.weight.detach().numpy())
    assert parameters.groups == getattr(layer, "groups", 1)


KERAS_LAYERS = {
    "conv": lambda: keras.layers.Conv2D(6, 3, strides=2, padding="same", name="layer"),
    "dilated": lambda: keras.layers.Conv2D(5, 3, dilation_rate=2, name="layer"),
    "grouped": lambda: keras.layers.Conv2D(6, 3, padding="same", groups=2, name="layer"),
    "depthwise": lambda: keras.layers.DepthwiseConv2D(
        3, strides=2, padding="same", depth_multiplier=2, use_bias=False, name="layer"
    ),
    "dense": lambda: keras.layers.Dense(3, activation="relu", name="layer"),
}


@pytest.mark.parametrize("name", KERAS_LAYERS)
def test_keras_linear_with_modified_parameters_equals_the_layer_built_with_them(name):
    keras.utils.set_random_seed(0)
    shape = (7,) if name == "dense" else (9, 9, 4)
    layer = KERAS_LAYERS[name]()
    model = keras.Sequential([keras.Input(shape), layer, keras.layers.Flatten()])
    images = RNG.standard_normal((2, *shape)).astype(np.float32)
    graph = keras_backend.graph(model, None)
    run = keras_backend.run(model, graph, images, keep=(1,), replace={1: Modified()})
    built = KERAS_LAYERS[name]()
    copy = keras.Sequential([keras.Input(shape), built])
    weights = [2 * w + 1 for w in layer.get_weights()[:1]] + [
        w - 0.5 for w in layer.get_weights()[1:]
    ]
    built.set_weights(weights)
    if name == "dense":  # the replacement is the linear map alone, without the layer's ReLU
        built.activation = keras.activations.linear
    expected = copy(images).numpy()
    if name == "depthwise":  # no bias in the layer: the replacement adds -0.5
        expected = expected - 0.5
    np.testing.assert_allclose(run.outputs[1], expected, rtol=1e-5, atol=1e-5)


def test_parameters_are_in_one_layout_for_both_frameworks():
    torch.manual_seed(1)
    convs = {
        "conv": nn.Conv2d(4, 6, 3, groups=2),
        "depthwise": nn.Conv2d(4, 8, 3, groups=4),
        "dense": nn.Linear(4, 3),
    }
    keras_layers = {
        "conv": keras.layers.Conv2D(6, 3, groups=2),
        "depthwise": keras.layers.DepthwiseConv2D(3, depth_multiplier=2),
        "dense": keras.layers.Dense(3),
    }
    for name, module in convs.items():
        layer = keras_layers[name]
        shape = (4,) if name == "dense" else (9, 9, 4)
        keras.Sequential([keras.Input(shape), layer])
        weight = module.weight.detach().numpy()
        if name == "conv":
            kernel = weight.transpose(2, 3, 1, 0)
        elif name == "depthwise":  # (8, 1, 3, 3) -> (3, 3, 4, 2): channel c * 2 + m
            kernel = weight[:, 0].transpose(1, 2, 0).reshape(3, 3, 4, 2)
        else:
            kernel = weight.T
        layer.set_weights([kernel, module.bias.detach().numpy()])
        torch_parameters = torch_backend.parameters(_node(module, shape))
        keras_parameters = keras_backend.parameters(_node(layer, shape))
        np.testing.assert_allclose(keras_parameters.weight, torch_parameters.weight, rtol=1e-6)
        np.testing.assert_allclose(keras_parameters.bias, torch_parameters.bias, rtol=1e-6)
        assert keras_parameters.groups == torch_parameters.groups


def _node(layer, shape):
    from mnn.explain.backends.base import Node

    return Node("layer", "conv", (0,), shape, None, type(layer).__name__, layer=layer)


def test_batch_norm_parameters_and_normalize_equal_the_layer(torch_images):
    model = mixed_torch_net().eval()
    graph = torch_backend.graph(model, torch_images.shape[1:])
    bn = _index(graph, "bn")
    parameters = torch_backend.parameters(graph.nodes[bn])
    assert isinstance(parameters, BatchNormParameters)

    @dataclass(frozen=True)
    class Renormalize:
        def __call__(self, ops, node, inputs, output):
            return ops.normalize(node, inputs[0], ops.parameters(node))

    plain = torch_backend.run(model, graph, torch_images, keep=(bn,))
    again = torch_backend.run(model, graph, torch_images, keep=(bn,), replace={bn: Renormalize()})
    np.testing.assert_allclose(again.outputs[bn], plain.outputs[bn], rtol=1e-12)
    conv = _index(graph, "conv")
    z = torch_backend.run(model, graph, torch_images, keep=(conv,)).outputs[conv]
    mean, variance, scale, shift = (
        value[:, None, None]
        for value in (parameters.mean, parameters.variance, parameters.scale, parameters.shift)
    )
    expected = (z - mean) / np.sqrt(variance + parameters.epsilon) * scale + shift
    np.testing.assert_allclose(plain.outputs[bn], expected, rtol=1e-10)


@dataclass(frozen=True)
class ValueAndGradient:
    """The value of the node's output z with the gradient of p = 3 z (gradients triple), plus a
    leaf c entering as W c - [W c] (no value, gradient W^T g for c)."""

    def __call__(self, ops, node, inputs, output):
        p = 3 * output
        parameters = ops.parameters(node)
        leaf = ops.leaf(
            ops.broadcast_to(ops.constant(np.full(inputs[0].shape[1:], 0.5)), inputs[0])
        )
        shifted = ops.linear(node, leaf, parameters.weight, 0 * parameters.bias)
        value = ops.stop_gradient(output) + p - ops.stop_gradient(p)
        return value + shifted - ops.stop_gradient(shifted)


def test_stop_gradient_and_leaves_in_both_frameworks():
    torch.manual_seed(2)
    module = nn.Sequential(OrderedDict(dense=nn.Linear(4, 3))).double()
    x = RNG.standard_normal((2, 4))
    graph = torch_backend.graph(module, (4,))
    objective = Objective(1, classes=np.array([[2], [0]]))
    plain = torch_backend.run(module, graph, x, objective=objective, wrt=(0,))
    tricked = torch_backend.run(
        module, graph, x, objective=objective, wrt=(0,), replace={1: ValueAndGradient()}
    )
    np.testing.assert_allclose(tricked.values, plain.values, rtol=1e-12)
    np.testing.assert_allclose(tricked.gradients[0], 3 * plain.gradients[0], rtol=1e-12)
    weight = module.dense.weight.detach().numpy()
    (leaf,) = tricked.leaves
    np.testing.assert_allclose(leaf[0], weight[[2, 0]], rtol=1e-12)

    keras.utils.set_random_seed(2)
    keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="dense")])
    keras_graph = keras_backend.graph(keras_model, None)
    xs = x.astype(np.float32)
    plain = keras_backend.run(keras_model, keras_graph, xs, objective=objective, wrt=(0,))
    tricked = keras_backend.run(
        keras_model, keras_graph, xs, objective=objective, wrt=(0,), replace={1: ValueAndGradient()}
    )
    np.testing.assert_allclose(tricked.values, plain.values, rtol=1e-5)
    np.testing.assert_allclose(tricked.gradients[0], 3 * plain.gradients[0], rtol=1e-5)
    (leaf,) = tricked.leaves
    kernel = keras_model.get_layer("dense").kernel.numpy()
    np.testing.assert_allclose(leaf[0], kernel.T[[2, 0]], rtol=1e-5)


@pytest.mark.parametrize("context", ["no_grad", "inference_mode"])
def test_torch_runs_inside_no_grad_and_inference_mode(context, torch_images):
    from mnn import explain

    model = mixed_torch_net().train()
    expected = explain.grad_cam(model, torch_images, target=[1, 2])
    with getattr(torch, context)():
        result = explain.grad_cam(model, torch_images, target=[1, 2])
        plus = explain.grad_cam_plus_plus(model, torch_images)
        cam = explain.cam(model, torch_images)
        assert not torch.is_grad_enabled()
        assert torch.is_inference_mode_enabled() == (context == "inference_mode")
    np.testing.assert_array_equal(result.heatmaps, expected.heatmaps)
    assert plus.heatmaps.shape == result.heatmaps.shape and cam.heatmaps.shape == (2, 4, 4)
    assert all(module.training for module in model.modules())


def test_a_model_with_frozen_weights_gives_inner_gradients(torch_images):
    from mnn import explain

    model = mixed_torch_net().eval()
    expected = explain.grad_cam(model, torch_images)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    frozen = explain.grad_cam(model, torch_images)
    np.testing.assert_array_equal(frozen.heatmaps, expected.heatmaps)


def test_the_replayed_trace_gives_what_the_hooks_give(torch_images):
    """Nodes of modules are found by hooks; a functional node makes the run replay the trace.
    Both must give the same values."""
    model = mixed_torch_net().eval()
    graph = torch_backend.graph(model, torch_images.shape[1:])
    add = next(i for i, node in enumerate(graph.nodes) if node.kind == "add")
    assert graph.nodes[add].layer is None
    relu = _index(graph, "relu")
    hooked = torch_backend.run(model, graph, torch_images, keep=(relu,))
    replayed = torch_backend.run(model, graph, torch_images, keep=(relu, add))
    np.testing.assert_array_equal(replayed.outputs[relu], hooked.outputs[relu])
    with torch.no_grad():
        y = model.relu(model.bn(model.conv(torch.from_numpy(torch_images))))
        expected = (model.grouped(model.depthwise(y)) + y).numpy()
    np.testing.assert_allclose(replayed.outputs[add], expected, rtol=1e-12)


def test_backend_of_picks_by_framework_and_refuses_other_objects():
    assert backend_of(mixed_torch_net()) is torch_backend
    assert backend_of(mixed_keras_net()) is keras_backend
    with pytest.raises(TypeError, match=r"torch\.nn\.Module or a keras\.Model"):
        backend_of(np.zeros(3))


def test_keras_on_another_backend_is_refused_with_what_to_do():
    code = (
        "import numpy as np, keras\n"
        "from mnn import explain\n"
        "model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3),"
        " keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)])\n"
        "try:\n"
        "    explain.grad_cam(model, np.zeros((1, 8, 8, 3), np.float32))\n"
        "except ValueError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "torch"},
        check=True,
    )
    assert "TensorFlow backend" in result.stdout and "KERAS_BACKEND=tensorflow" in result.stdout


def test_importing_explain_and_viz_imports_no_framework():
    code = (
        "import sys, mnn.explain, mnn.viz; "
        "print(sorted({'torch', 'tensorflow', 'keras'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_framework_code_lives_only_in_the_backends():
    offenders = [
        str(path.relative_to(EXPLAIN))
        for path in EXPLAIN.rglob("*.py")
        if path.parent.name != "backends" and FRAMEWORK_IMPORT.search(path.read_text())
    ]
    assert offenders == []
