"""mnn.explain.lrp on whole networks: LRP-0 is Gradient x Input on bias-free ReLU networks and
conserves relevance layer by layer; the one-pass detach trick equals an explicit layer-by-layer
backward relevance pass; BatchNorm folding leaves the model's outputs unchanged; Keras and PyTorch
agree on EfficientNet-Lite0; bad input is refused with what to do."""

from __future__ import annotations

from collections import OrderedDict

import keras
import lrp_oracles as oracle
import numpy as np
import pytest
import torch
from torch import nn

from mnn import explain
from mnn.explain.backends import backend_of
from mnn.explain.lrp import canonizers, composites, rules

RNG = np.random.default_rng(21)
LOW, HIGH = -1.0, 1.0


def relu_torch_net(bias: bool = True) -> nn.Module:
    """conv, ReLU, max pool, conv, ReLU, flatten, dense, ReLU, dense (float64)."""
    torch.manual_seed(4)
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(3, 4, 3, padding=1, bias=bias),
            relu1=nn.ReLU(),
            pool=nn.MaxPool2d(2),
            conv2=nn.Conv2d(4, 6, 3, bias=bias),
            relu2=nn.ReLU(),
            flatten=nn.Flatten(),
            dense1=nn.Linear(24, 8, bias=bias),
            relu3=nn.ReLU(),
            dense2=nn.Linear(8, 5, bias=bias),
        )
    ).double()


def relu_keras_net(bias: bool = True) -> keras.Model:
    keras.utils.set_random_seed(4)
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.Conv2D(4, 3, padding="same", use_bias=bias, activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Conv2D(6, 3, use_bias=bias, name="conv2"),
            layers.ReLU(name="relu2"),
            layers.Flatten(name="flatten"),
            layers.Dense(8, use_bias=bias, activation="relu", name="dense1"),
            layers.Dense(5, use_bias=bias, activation="softmax", name="dense2"),
        ]
    )


LAYERS = {
    "torch": ["conv1", "pool", "conv2", "dense1", "dense2"],
    "keras": ["conv1", "pool", "conv2", "dense1", "dense2"],
}


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_lrp_zero_is_gradient_x_input_and_conserves_relevance_without_biases(framework):
    if framework == "torch":
        model, x = relu_torch_net(bias=False), RNG.standard_normal((3, 3, 8, 8))
    else:
        model = relu_keras_net(bias=False)
        x = RNG.standard_normal((3, 8, 8, 3)).astype(np.float32)
    result = explain.lrp(model, x, target=[0, 3, 4], composite="zero", layers=LAYERS[framework])
    gradient_x_input = explain.gradient_x_input(model, x, target=[0, 3, 4])
    tolerance = 1e-12 if framework == "torch" else 1e-6
    np.testing.assert_allclose(result.relevance, gradient_x_input, rtol=0, atol=tolerance)
    totals = [result.relevance.reshape(3, -1).sum(axis=1)]
    totals += [values.reshape(3, -1).sum(axis=1) for values in result.layers.values()]
    for total in totals:  # every layer's outputs hold the whole score
        np.testing.assert_allclose(total, result.scores, rtol=100 * tolerance, atol=1e-9)
    np.testing.assert_array_equal(result.classes, [0, 3, 4])


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_lrp_zero_keeps_tiny_activations(framework):
    """The pass rule divides by z exactly: on inputs of 1e-20 LRP-0 is still Gradient x Input
    (a denominator written (z + 1) - 1 rounded such a z to 0, and the relevance to NaN)."""
    if framework == "torch":
        model, x, rtol = relu_torch_net(bias=False), 1e-20 * RNG.standard_normal((3, 3, 8, 8)), 1e-9
    else:
        model = relu_keras_net(bias=False)
        x, rtol = (1e-20 * RNG.standard_normal((3, 8, 8, 3))).astype(np.float32), 1e-4
    result = explain.lrp(model, x, target=[0, 3, 4], composite="zero")
    gradient_x_input = explain.gradient_x_input(model, x, target=[0, 3, 4])
    assert np.all(np.isfinite(result.relevance))
    np.testing.assert_allclose(result.relevance, gradient_x_input, rtol=rtol, atol=0)


def _folded(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> tuple[np.ndarray, np.ndarray]:
    """conv then BatchNorm as one (weight, bias), by the formula, in NumPy."""
    scale = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach().numpy()
    weight = conv.weight.detach().numpy() * scale[:, None, None, None]
    bias = (conv.bias - bn.running_mean).detach().numpy() * scale + bn.bias.detach().numpy()
    return weight, bias


def bn_torch_net() -> nn.Module:
    """The ReLU network with a BatchNorm after the first convolution (random statistics)."""
    net = relu_torch_net()
    bn = nn.BatchNorm2d(4).double()
    with torch.no_grad():
        bn.running_mean.uniform_(-0.3, 0.3)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
    modules = OrderedDict(net.named_children())
    items = list(modules.items())
    items.insert(1, ("bn1", bn))
    return nn.Sequential(OrderedDict(items)).double().eval()


def explicit_relevance(net: nn.Module, x: np.ndarray, target: int, schedule: dict) -> np.ndarray:
    """LRP layer by layer, backwards, from the rules' formulas on explicit matrices: the textbook
    algorithm, one layer at a time, with no autograd."""
    conv1_weight, conv1_bias = _folded(net.conv1, net.bn1)
    m1 = oracle.conv_matrix(conv1_weight, (3, 8, 8), (4, 8, 8), (1, 1), (1, 1))
    m2 = oracle.conv_matrix(net.conv2.weight.detach().numpy(), (4, 4, 4), (6, 2, 2), (1, 1), (0, 0))
    b1 = np.repeat(conv1_bias, 64)
    b2 = np.repeat(net.conv2.bias.detach().numpy(), 4)
    d1, c1 = net.dense1.weight.detach().numpy(), net.dense1.bias.detach().numpy()
    d2, c2 = net.dense2.weight.detach().numpy(), net.dense2.bias.detach().numpy()
    a0 = x.ravel()
    a1 = np.maximum(m1 @ a0 + b1, 0)
    pool = oracle.max_pool_winners(a1.reshape(4, 8, 8), 2)
    a2 = pool @ a1
    a3 = np.maximum(m2 @ a2 + b2, 0)
    a4 = np.maximum(d1 @ a3 + c1, 0)
    z = d2 @ a4 + c2
    relevance = np.zeros_like(z)
    relevance[target] = z[target]
    relevance = schedule["dense2"](a4, d2, c2, relevance)
    relevance = schedule["dense1"](a3, d1, c1, relevance)  # ReLU: pass; flatten: as is
    relevance = schedule["conv2"](a2, m2, b2, relevance)
    relevance = pool.T @ relevance  # max pooling: all to the window's maximum
    return oracle.lrp_zbox(a0, m1, relevance, LOW, HIGH, 1e-6).reshape(x.shape)


SCHEDULES = {
    "epsilon_gamma_box": {
        "dense2": lambda a, m, b, r: oracle.lrp_epsilon(a, m, b, r, 1e-6),
        "dense1": lambda a, m, b, r: oracle.lrp_epsilon(a, m, b, r, 1e-6),
        "conv2": lambda a, m, b, r: oracle.lrp_gamma(a, m, b, r, 0.25, 1e-6),
    },
    "course": {  # conv2 is in block 1 (after one pooling): gamma = 10^-0.5
        "dense2": oracle.lrp_zero,
        "dense1": oracle.lrp_zero,
        "conv2": lambda a, m, b, r: oracle.lrp_gamma(a, m, b, r, 10**-0.5, 1e-6),
    },
}


@pytest.mark.parametrize("composite", SCHEDULES)
def test_the_detach_trick_equals_an_explicit_backward_relevance_pass(composite):
    net = bn_torch_net()
    x = RNG.uniform(LOW, HIGH, (2, 3, 8, 8))
    result = explain.lrp(net, x, target=[1, 4], composite=composite, bounds=(LOW, HIGH))
    for image, target in enumerate([1, 4]):
        wanted = explicit_relevance(net, x[image], target, SCHEDULES[composite])
        np.testing.assert_allclose(result.relevance[image], wanted, rtol=1e-8, atol=1e-12)
    assert result.rules["conv1"] == rules.ZBox() and "bn1" not in result.rules
    assert "1 BatchNorm layers folded" in result.note


def mixed_torch_net() -> nn.Module:
    """conv + BN, depthwise conv + BN (behind a container), ReLU6, residual sum, GAP, dense +
    BatchNorm1d, dense (float64, random BatchNorm statistics)."""

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(8)
            self.conv = nn.Conv2d(3, 4, 3, padding=1)
            self.bn = nn.BatchNorm2d(4)
            self.depthwise = nn.Sequential(
                nn.Conv2d(4, 4, 3, padding=1, groups=4), nn.BatchNorm2d(4)
            )
            self.relu = nn.ReLU6()
            self.dense = nn.Linear(4, 6)
            self.bn_dense = nn.BatchNorm1d(6)
            self.out = nn.Linear(6, 3)
            for bn in (self.bn, self.depthwise[1], self.bn_dense):
                with torch.no_grad():
                    bn.running_mean.uniform_(-0.5, 0.5)
                    bn.running_var.uniform_(0.5, 2.0)
                    bn.weight.uniform_(-1.5, 1.5)  # negative scales flip the weights' signs
                    bn.bias.uniform_(-0.2, 0.2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.relu(self.bn(self.conv(x)))
            y = self.relu(self.depthwise(y)) + y
            return self.out(torch.relu(self.bn_dense(self.dense(y.mean((2, 3))))))

    return Net().double()


def mixed_keras_net() -> keras.Model:
    keras.utils.set_random_seed(8)
    layers = keras.layers
    image = keras.Input((6, 6, 3))
    y = layers.Conv2D(4, 3, padding="same", name="conv")(image)
    y = layers.BatchNormalization(name="bn")(y)
    y = layers.ReLU(6.0, name="relu")(y)
    z = layers.DepthwiseConv2D(3, padding="same", name="depthwise")(y)
    z = layers.BatchNormalization(name="bn_depthwise")(z)
    y = layers.Add(name="add")([layers.ReLU(6.0, name="relu_2")(z), y])
    y = layers.GlobalAveragePooling2D(name="gap")(y)
    y = layers.Dense(6, name="dense")(y)
    y = layers.BatchNormalization(name="bn_dense")(y)
    model = keras.Model(image, layers.Dense(3, name="out")(layers.ReLU(name="relu_3")(y)))
    for name, size in (("bn", 4), ("bn_depthwise", 4), ("bn_dense", 6)):
        model.get_layer(name).set_weights(
            [RNG.uniform(-1.5, 1.5, size), RNG.uniform(-0.2, 0.2, size),
             RNG.uniform(-0.5, 0.5, size), RNG.uniform(0.5, 2.0, size)]
        )  # fmt: skip
    return model


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_folding_batch_norm_leaves_the_outputs_unchanged_during_and_after(framework):
    if framework == "torch":
        model, x = mixed_torch_net(), RNG.standard_normal((2, 3, 6, 6))
        state = {k: v.clone() for k, v in model.state_dict().items()}
    else:
        model, x = mixed_keras_net(), RNG.standard_normal((2, 6, 6, 3)).astype(np.float32)
        state = [w.copy() for w in model.get_weights()]
    backend = backend_of(model)
    graph = backend.graph(model, x.shape[1:])
    before = backend.run(model, graph, x, keep=(graph.output,)).outputs[graph.output]
    folding = canonizers.FoldBatchNorm()
    pairs = folding.pairs(graph)
    assert sorted(graph.nodes[i].kind for i in pairs.values()) == ["batch_norm"] * 3
    during = backend.run(
        model, graph, x, keep=(graph.output,), replace=folding.replacements(graph)
    ).outputs[graph.output]
    after = backend.run(model, graph, x, keep=(graph.output,)).outputs[graph.output]
    tolerance = 1e-12 if framework == "torch" else 2e-6
    np.testing.assert_allclose(during, before, rtol=tolerance, atol=tolerance)
    np.testing.assert_array_equal(after, before)
    if framework == "torch":
        assert all(torch.equal(v, state[k]) for k, v in model.state_dict().items())
    else:
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), state, strict=True))
    result = explain.lrp(model, x, composite="epsilon_plus")
    assert "3 BatchNorm layers folded" in result.note


def test_keras_and_pytorch_agree_on_the_same_network():
    """The mixed network ported from Keras to PyTorch: the same relevance for two composites."""
    keras_model = mixed_keras_net()
    torch_model = mixed_torch_net().float()
    get = keras_model.get_layer
    with torch.no_grad():
        torch_model.conv.weight.copy_(
            torch.from_numpy(get("conv").kernel.numpy().transpose(3, 2, 0, 1))
        )
        torch_model.conv.bias.copy_(torch.from_numpy(get("conv").bias.numpy()))
        kernel = get("depthwise").kernel.numpy()  # (3, 3, 4, 1)
        torch_model.depthwise[0].weight.copy_(torch.from_numpy(kernel.transpose(2, 3, 0, 1)))
        torch_model.depthwise[0].bias.copy_(torch.from_numpy(get("depthwise").bias.numpy()))
        for module, name in ((torch_model.dense, "dense"), (torch_model.out, "out")):
            module.weight.copy_(torch.from_numpy(get(name).kernel.numpy().T))
            module.bias.copy_(torch.from_numpy(get(name).bias.numpy()))
        for module, name in (
            (torch_model.bn, "bn"),
            (torch_model.depthwise[1], "bn_depthwise"),
            (torch_model.bn_dense, "bn_dense"),
        ):
            gamma, beta, mean, variance = (torch.from_numpy(w) for w in get(name).get_weights())
            module.weight.copy_(gamma)
            module.bias.copy_(beta)
            module.running_mean.copy_(mean)
            module.running_var.copy_(variance)
            module.eps = get(name).epsilon
    x = RNG.uniform(LOW, HIGH, (2, 6, 6, 3)).astype(np.float32)
    for composite in ("epsilon_gamma_box", "epsilon_alpha2_beta1_flat"):
        keras_result = explain.lrp(keras_model, x, composite=composite, bounds=(LOW, HIGH))
        torch_result = explain.lrp(
            torch_model, x.transpose(0, 3, 1, 2), composite=composite, bounds=(LOW, HIGH)
        )
        scale = np.abs(torch_result.relevance).max()
        np.testing.assert_allclose(
            keras_result.relevance.transpose(0, 3, 1, 2), torch_result.relevance, atol=1e-5 * scale
        )


def test_results_for_several_classes_and_their_shapes():
    net = relu_torch_net()
    x = RNG.uniform(LOW, HIGH, (2, 3, 8, 8))
    ranked = explain.lrp(net, x, target=("top", 3), bounds=(LOW, HIGH))
    assert ranked.relevance.shape == (2, 3, 3, 8, 8) and ranked.heatmaps.shape == (2, 3, 8, 8)
    assert ranked.classes.shape == ranked.scores.shape == (2, 3)
    np.testing.assert_allclose(ranked.heatmaps, ranked.relevance.sum(axis=2))
    for k in range(3):
        single = explain.lrp(net, x, target=list(ranked.classes[:, k]), bounds=(LOW, HIGH))
        np.testing.assert_allclose(single.relevance, ranked.relevance[:, k], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(single.scores, ranked.scores[:, k])
    logits = net(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_array_equal(ranked.classes, np.argsort(-logits, axis=1)[:, :3])


def test_an_in_place_activation_keeps_the_pass_rule():
    """nn.ReLU6(inplace=True) overwrites its input; the pass rule still sees it, whether the
    run hooks modules or replays the trace (a functional operation among the nodes)."""
    torch.manual_seed(9)
    plain = nn.Sequential(
        OrderedDict(dense=nn.Linear(4, 6), act=nn.ReLU6(), out=nn.Linear(6, 2))
    ).double()

    class InPlace(nn.Module):
        def __init__(self, functional: bool) -> None:
            super().__init__()
            self.dense, self.act, self.out = plain.dense, nn.ReLU6(inplace=True), plain.out
            self.functional = functional

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.out(self.act(self.dense(x)))
            return torch.flatten(y, 1) if self.functional else y

    x = 20 * RNG.standard_normal((3, 4))
    assert (plain.dense(torch.from_numpy(x)) > 6).any()  # saturated units
    expected = explain.lrp(plain, x, composite="zero")
    assert not np.allclose(expected.relevance, explain.gradient_x_input(plain, x))
    for functional in (False, True):
        found = explain.lrp(InPlace(functional).double(), x, composite="zero")
        np.testing.assert_allclose(found.relevance, expected.relevance, rtol=1e-12)


# Bad input


def test_a_layer_without_a_rule_is_named_with_the_composite_and_how_to_map_it():
    torch.manual_seed(0)
    net = nn.Sequential(
        OrderedDict(dense=nn.Linear(4, 5), layer_norm=nn.LayerNorm(5), out=nn.Linear(5, 2))
    )
    x = RNG.standard_normal((2, 4)).astype(np.float32)
    with pytest.raises(
        ValueError,
        match=r"layer 'layer_norm' \(LayerNorm, kind 'norm'\) has no LRP rule in the composite "
        r"'epsilon_gamma_box'.*with_rules\(\{'layer_norm': rules.Pass\(\)\}\)",
    ):
        explain.lrp(net, x)
    fixed = composites.preset("epsilon_gamma_box").with_rules({"layer_norm": rules.Pass()})
    assert explain.lrp(net, x, composite=fixed).relevance.shape == (2, 4)
    with pytest.raises(
        ValueError,
        match=r"layer 'dense' \(Linear, kind 'dense'\) has no LRP rule in the composite 'custom'",
    ):
        explain.lrp(net, x, composite={"layer_norm": rules.Pass()})


def test_bounds_are_checked():
    net = relu_torch_net()
    x = RNG.uniform(LOW, HIGH, (1, 3, 8, 8))
    with pytest.raises(
        ValueError, match=r"needs the lowest and highest input values: pass bounds=\(low, high\)"
    ):
        explain.lrp(net, x)
    with pytest.raises(ValueError, match=r"low < high everywhere, got low = 1 >= high = 1"):
        explain.lrp(net, x, bounds=(1.0, 1.0))
    high = np.full((3, 1, 1), 2.0)
    high[1] = -2.0
    with pytest.raises(ValueError, match=r"low = -1 >= high = -2 at input index \(1, 0, 0\)"):
        explain.lrp(net, x, bounds=(-1.0, high))
    with pytest.raises(ValueError, match=r"does not broadcast to one input of shape \(3, 8, 8\)"):
        explain.lrp(net, x, bounds=(np.zeros(8 * 8), 1.0))
    with pytest.raises(ValueError, match=r"outside the z\^B bounds"):
        explain.lrp(net, 10 * x, bounds=(LOW, HIGH))
    with pytest.raises(TypeError, match=r"bounds must be a pair \(low, high\)"):
        explain.lrp(net, x, bounds=1.0)


def test_targets_composites_and_rules_are_checked():
    net = relu_torch_net()
    x = RNG.uniform(LOW, HIGH, (2, 3, 8, 8))
    with pytest.raises(
        ValueError, match=r"target 5 is out of range: the model has 5 classes, numbered 0 to 4"
    ):
        explain.lrp(net, x, target=[0, 5], bounds=(LOW, HIGH))
    with pytest.raises(
        ValueError,
        match=r"unknown composite 'epsilon_gama_box'. Did you mean 'epsilon_gamma_box'",
    ):
        explain.lrp(net, x, composite="epsilon_gama_box")
    with pytest.raises(
        ValueError,
        match=r"maps 'conv3', which is neither a layer of this model nor a layer kind. "
        r"Did you mean 'conv', 'conv2', 'conv1'",
    ):
        explain.lrp(net, x, composite={"conv3": rules.Gamma()})
    with pytest.raises(
        ValueError,
        match=r"Gamma\(gamma=0.25, stabilizer=1e-06\) is a rule for convolutions and dense "
        r"layers; layer 'relu1'",
    ):
        explain.lrp(
            net, x, composite={"conv": rules.Gamma(), "dense": rules.Zero(), "relu1": rules.Gamma()}
        )
    with pytest.raises(ValueError, match=r"'conv1' and 'conv2' both have input rules"):
        explain.lrp(net, x, composite={"conv": rules.Flat(), "dense": rules.Zero()})
    with pytest.raises(ValueError, match=r"alpha - beta = 1"):
        rules.AlphaBeta(2.0, 2.0)
    with pytest.raises(ValueError, match=r"'convolution' is not a layer kind"):
        composites.Composite("mine", kinds={"convolution": rules.Gamma()})


def test_layers_must_be_a_list():
    """Issue #16: layers="conv1" was read letter by letter ("no layer 'c'") and layers=3 failed
    in Python's iteration."""
    net = relu_torch_net()
    x = RNG.uniform(LOW, HIGH, (1, 3, 8, 8))
    for layers in ("conv1", 3):
        with pytest.raises(TypeError, match=r"layers must be a list of layer names or objects"):
            explain.lrp(net, x, bounds=(LOW, HIGH), layers=layers)
    result = explain.lrp(net, x, bounds=(LOW, HIGH), layers=("conv1",))
    assert list(result.layers) == ["conv1"]


def test_bounds_are_checked_even_where_no_rule_reads_them():
    """Issue #16: a composite without z^B ignored bounds=object() or bounds=(1, -1)."""
    net = relu_torch_net()
    x = RNG.uniform(LOW, HIGH, (1, 3, 8, 8))
    with pytest.raises(TypeError, match=r"bounds must be a pair \(low, high\)"):
        explain.lrp(net, x, composite="epsilon_plus", bounds=object())
    with pytest.raises(ValueError, match=r"bounds must have low < high"):
        explain.lrp(net, x, composite="epsilon_plus", bounds=(1.0, -1.0))


def test_zbox_checks_its_bounds_when_it_is_made():
    """Issue #16: ZBox(low=1, high=0) and ZBox(0, np.nan) were accepted, and failed (or not)
    only when lrp met them."""
    with pytest.raises(
        ValueError, match=r"ZBox needs low < high everywhere, got low = 1 >= high = 0"
    ):
        rules.ZBox(1.0, 0.0)
    with pytest.raises(ValueError, match="high must be a finite real number, got nan"):
        rules.ZBox(0.0, np.nan)
    with pytest.raises(ValueError, match=r"high must be finite"):
        rules.ZBox(np.zeros(3), np.array([1.0, np.inf, 1.0]))
    with pytest.raises(ValueError, match=r"low \(2,\) and high \(3,\) do not broadcast"):
        rules.ZBox(np.zeros(2), np.ones(3))


def test_composites_check_their_arguments_by_name():
    """Issue #16: Composite(blocks=object()) failed in Python's unpacking, canonizers=object()
    was accepted, with_rules(None) failed on None.items() and preset(None) inside difflib."""
    with pytest.raises(TypeError, match=r"blocks must be a tuple, got object"):
        composites.Composite("mine", blocks=object())
    with pytest.raises(TypeError, match=r"canonizers must be a tuple, got object"):
        composites.Composite("mine", canonizers=object())
    with pytest.raises(TypeError, match=r"kinds must be a mapping such as"):
        composites.Composite("mine", kinds="conv")
    with pytest.raises(TypeError, match=r"mapping must be a mapping such as"):
        composites.preset("zero").with_rules(None)
    with pytest.raises(TypeError, match=r"name must be a preset's name, one of epsilon_gamma_box"):
        composites.preset(None)
