"""Every LRP rule, run as a modified forward pass in PyTorch and in Keras, equals its formula
written naively on the layer as an explicit matrix (tests/lrp_oracles.py)."""

from __future__ import annotations

from collections import OrderedDict

import keras
import lrp_oracles as oracle
import numpy as np
import pytest
import torch
from torch import nn

from mnn.explain.backends import backend_of
from mnn.explain.backends.base import Objective, channels_first
from mnn.explain.lrp import rules
from mnn.explain.lrp.attribution import plan, propagate

RNG = np.random.default_rng(13)

TORCH_LAYERS = {
    "conv": lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1),
    "depthwise": lambda: nn.Conv2d(4, 8, 3, padding=1, groups=4),
    "grouped": lambda: nn.Conv2d(4, 6, 3, groups=2, dilation=2),
    "dense": lambda: nn.Linear(7, 5),
}
KERAS_LAYERS = {
    "conv": lambda: keras.layers.Conv2D(4, 3, strides=2, padding="same", name="layer"),
    "depthwise": lambda: keras.layers.DepthwiseConv2D(
        3, padding="same", depth_multiplier=2, name="layer"
    ),
    "grouped": lambda: keras.layers.Conv2D(6, 3, groups=2, dilation_rate=2, name="layer"),
    "dense": lambda: keras.layers.Dense(5, name="layer"),
}
INPUTS = {"conv": (3, 7, 7), "depthwise": (4, 6, 6), "grouped": (4, 8, 8), "dense": (7,)}
LOW, HIGH = -1.5, 2.0
RULES = {
    "zero": rules.Zero(),
    "epsilon": rules.Epsilon(0.1),
    "gamma": rules.Gamma(0.25),
    "gamma 1": rules.Gamma(1.0, stabilizer=1e-3),
    "alpha2 beta1": rules.AlphaBeta(2.0, 1.0),
    "z plus": rules.AlphaBeta(1.0, 0.0),
    "zbox": rules.ZBox(LOW, HIGH),
    "flat": rules.Flat(),
    "w square": rules.WSquare(),
}


def torch_model(name: str) -> nn.Module:
    torch.manual_seed(5)
    layer = TORCH_LAYERS[name]()
    with torch.no_grad():  # biases of both signs and some size
        layer.bias.uniform_(-0.5, 0.5)
    return nn.Sequential(OrderedDict(layer=layer, flatten=nn.Flatten())).double()


def keras_model(name: str) -> keras.Model:
    keras.utils.set_random_seed(5)
    shape = INPUTS[name]
    shape = shape if len(shape) == 1 else (*shape[1:], shape[0])
    layer = KERAS_LAYERS[name]()
    model = keras.Sequential([keras.Input(shape), layer, keras.layers.Flatten(name="flatten")])
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, RNG.uniform(-0.5, 0.5, bias.shape).astype(np.float32)])
    return model


def rule_relevance(model, x: np.ndarray, rule: rules.Rule, weights: np.ndarray) -> np.ndarray:
    """The relevance of ``x`` when the layer has ``rule`` and its outputs z (N, d, in the flatten
    layer's order) hold the relevance ``z * weights``."""
    backend = backend_of(model)
    graph = backend.graph(model, x.shape[1:])
    score = graph.output
    found = plan(graph, score, {"layer": rule}, None, backend.layout)
    objective = Objective(score, weights=weights[:, None].astype(x.dtype))
    relevance, _ = propagate(model, graph, x, objective, found)
    return relevance[0]


def expected(model, x: np.ndarray, rule: rules.Rule, weights: np.ndarray) -> np.ndarray:
    """The oracle's relevance, channels first and flat per image, for the output relevance
    ``z * weights`` (well conditioned where z is near 0)."""
    backend = backend_of(model)
    graph = backend.graph(model, x.shape[1:])
    node = graph.nodes[1]
    parameters = backend.parameters(node)
    weight, bias = parameters.weight.astype(np.float64), parameters.bias.astype(np.float64)
    if node.kind == "dense":
        matrix, connected = weight, np.ones_like(weight)
        inputs = x.astype(np.float64)
        output_shape = None
    else:
        input_shape = channels_first(np.zeros(graph.input_shape), backend.layout).shape
        output_shape = channels_first(np.zeros(node.shape), backend.layout).shape
        g = node.geometry
        arguments = (input_shape, output_shape, g.stride, g.padding, g.dilation, parameters.groups)
        matrix = oracle.conv_matrix(weight, *arguments)
        connected = oracle.conv_matrix(np.ones_like(weight), *arguments)
        bias = np.repeat(bias, output_shape[1] * output_shape[2])
        inputs = channels_first(x.astype(np.float64), backend.layout)
    results = []
    for a, w in zip(inputs.reshape(len(x), -1), weights, strict=True):
        if output_shape is not None and backend.layout == "NHWC":  # flatten order is (h, w, c)
            w = w.reshape(output_shape[1], output_shape[2], -1).transpose(2, 0, 1).ravel()
        upper = (matrix @ a + bias) * w
        results.append(_formula(rule, a, matrix, bias, upper, connected))
    return np.stack(results)


def _formula(rule, a, matrix, bias, upper, connected):
    if isinstance(rule, rules.Zero):
        return oracle.lrp_zero(a, matrix, bias, upper)
    if isinstance(rule, rules.Epsilon):
        return oracle.lrp_epsilon(a, matrix, bias, upper, rule.epsilon)
    if isinstance(rule, rules.Gamma):
        return oracle.lrp_gamma(a, matrix, bias, upper, rule.gamma, rule.stabilizer)
    if isinstance(rule, rules.AlphaBeta):
        return oracle.lrp_alpha_beta(a, matrix, bias, upper, rule.alpha, rule.beta, rule.stabilizer)
    if isinstance(rule, rules.ZBox):
        return oracle.lrp_zbox(a, matrix, upper, LOW, HIGH, rule.stabilizer)
    if isinstance(rule, rules.Flat):
        return oracle.lrp_flat(connected, upper, rule.stabilizer)
    return oracle.lrp_w_square(matrix, upper, rule.stabilizer)


def _inputs(shape: tuple[int, ...], dtype) -> np.ndarray:
    # Signed inputs (the generalised gamma rule's two cases), inside the z^B box.
    return RNG.uniform(LOW + 0.1, HIGH - 0.1, (2, *shape)).astype(dtype)


@pytest.mark.parametrize("rule", RULES, ids=str)
@pytest.mark.parametrize("layer", TORCH_LAYERS)
def test_torch_rule_equals_its_formula(layer, rule):
    model = torch_model(layer)
    x = _inputs(INPUTS[layer], np.float64)
    outputs = model(torch.from_numpy(x)).shape[1]
    weights = RNG.standard_normal((2, outputs))
    found = rule_relevance(model, x, RULES[rule], weights)
    wanted = expected(model, x, RULES[rule], weights)
    np.testing.assert_allclose(found.reshape(2, -1), wanted, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("rule", RULES, ids=str)
@pytest.mark.parametrize("layer", KERAS_LAYERS)
def test_keras_rule_equals_its_formula(layer, rule):
    model = keras_model(layer)
    shape = INPUTS[layer]
    x = _inputs(shape if len(shape) == 1 else (*shape[1:], shape[0]), np.float32)
    weights = RNG.standard_normal((2, model.outputs[0].shape[-1]))
    found = channels_first(
        rule_relevance(model, x, RULES[rule], weights), "NHWC" if len(shape) > 1 else "NCHW"
    )
    wanted = expected(model, x, RULES[rule], weights)
    scale = np.abs(wanted).max()
    np.testing.assert_allclose(found.reshape(2, -1), wanted, rtol=0, atol=2e-4 * scale)


def test_input_rules_read_the_input_through_zero_padding():
    """z^B and flat behind an explicit, asymmetric zero padding: the padding is not an input
    (no relevance, no share of a unit's window), as with a convolution's own padding."""
    torch.manual_seed(6)
    conv = nn.Conv2d(2, 3, 3, stride=2)
    padded = nn.Sequential(
        OrderedDict(pad=nn.ZeroPad2d((1, 0, 2, 1)), layer=conv, flatten=nn.Flatten())
    ).double()
    x = _inputs((2, 6, 5), np.float64)
    weights = RNG.standard_normal((2, padded(torch.from_numpy(x)).shape[1]))
    weight = conv.weight.detach().double().numpy()
    output_shape = (3, *conv(torch.zeros(1, 2, 9, 6, dtype=torch.float64)).shape[-2:])
    arguments = ((2, 6, 5), output_shape, (2, 2), (2, 1))
    matrix = oracle.conv_matrix(weight, *arguments)
    connected = oracle.conv_matrix(np.ones_like(weight), *arguments)
    for rule in (rules.ZBox(LOW, HIGH), rules.Flat(), rules.WSquare()):
        found = rule_relevance(padded, x, rule, weights).reshape(2, -1)
        bias = np.repeat(conv.bias.detach().double().numpy(), output_shape[1] * output_shape[2])
        for image in range(2):
            a = x[image].ravel()
            upper = (matrix @ a + bias) * weights[image]
            wanted = _formula(rule, a, matrix, bias, upper, connected)
            np.testing.assert_allclose(found[image], wanted, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_pass_hands_relevance_on_unchanged_where_the_gradient_would_drop_it(framework):
    """ReLU6 with saturated units: Pass keeps R_in = R_out = a * dF/da, the gradient gives 0
    to every unit above 6."""
    z = np.array([[-2.0, 0.0, 3.0, 5.5, 9.0, 12.0]], dtype=np.float32)
    if framework == "torch":
        model = nn.Sequential(OrderedDict(act=nn.ReLU6())).double()
        z = z.astype(np.float64)
    else:
        model = keras.Sequential([keras.Input((6,)), keras.layers.ReLU(6.0, name="act")])
    backend = backend_of(model)
    graph = backend.graph(model, z.shape[1:])
    upper = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    a = np.clip(z, 0, 6)
    weights = np.where(a != 0, upper / np.where(a != 0, a, 1), 0)[:, None].astype(z.dtype)
    objective = Objective(1, weights=weights)
    passed, _ = propagate(
        model, graph, z, objective, plan(graph, 1, {"act": rules.Pass()}, None, backend.layout)
    )
    gradient, _ = propagate(
        model, graph, z, objective, plan(graph, 1, {"act": rules.Zero()}, None, backend.layout)
    )
    np.testing.assert_allclose(passed[0], [[0, 0, 3, 4, 5, 6]], rtol=1e-6)
    np.testing.assert_allclose(gradient[0], [[0, 0, 3, 4, 0, 0]], rtol=1e-6, atol=1e-6)
