"""mnn.explain on random small networks: receptive fields equal the supports of input gradients
(PyTorch and Keras), and Keras' CAM, Grad-CAM and Grad-CAM++ equal PyTorch's on the same weights.

Receptive fields: a random stack of convolutions (kernel, stride, dilation, padding), average
and max pooling and zero padding gets positive weights and no nonlinearity, so that a unit's
input gradient is non-zero exactly on the pixels it sees (see receptive_oracles.py). For a unit
whose field lies inside the image the gradient's bounding box is the field; a field reaching
into the padding is clipped, and a sparse (dilated, strided) pattern may then miss the clipped
ends, so the box only lies within it; a field wholly in the padding sees nothing. Max pooling
passes one maximum, so a stack with max pooling is compared through its linear twin, the same
stack with each max pooling replaced by a convolution of the same geometry: both must have the
same field, the twin's gradients must fill it, and the original's must lie within it.
"""

from __future__ import annotations

from collections import OrderedDict

import keras
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from invariants import examples
from receptive_oracles import gradient_supports
from torch import nn

from mnn import explain
from mnn.models.torch_weights.keras import load_torch_weights

FRAMEWORKS = ("torch", "keras")
KINDS = ("conv", "avg_pool", "max_pool", "pad")


def pairs(low: int, high: int) -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.integers(low, high), st.integers(low, high))


@st.composite
def layer_specs(draw, framework: str, kinds: tuple[str, ...] = KINDS) -> dict:
    """One layer of a stack: kind, kernel, stride, dilation and padding, per axis."""
    kind = draw(st.sampled_from(kinds))
    if kind == "pad":  # (before, after) per axis
        return {"kind": kind, "padding": (draw(pairs(0, 2)), draw(pairs(0, 2)))}
    kernel, stride = draw(pairs(1, 4)), draw(pairs(1, 3))
    dilation = (1, 1)
    if kind == "conv" or (kind == "max_pool" and framework == "torch"):
        # Keras refuses a dilation with a stride above 1.
        if framework == "torch" or stride == (1, 1):
            dilation = draw(pairs(1, 3))
    if framework == "keras":
        padding = draw(st.sampled_from(["valid", "same"]))
    elif kind == "conv":  # PyTorch pads "same" only with stride 1.
        words = ["valid", "same"] if stride == (1, 1) else ["valid"]
        padding = draw(pairs(0, 2) | st.sampled_from(words))
    else:  # PyTorch pools pad at most half the kernel.
        padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    return {
        "kind": kind,
        "kernel": kernel,
        "stride": stride,
        "dilation": dilation,
        "padding": padding,
        "channels": draw(st.integers(1, 2)),
        # PyTorch's average pooling may keep a last window that sticks out (ceil_mode); max
        # pooling does not here, as its linear twin, a convolution, has no such mode.
        "ceil_mode": framework == "torch" and kind == "avg_pool" and draw(st.booleans()),
    }


def torch_stack(specs: list[dict], linear: bool) -> nn.Sequential:
    """The stack in PyTorch (float64, weights 1, biases 0); ``linear`` makes max pooling a
    convolution of the same geometry."""
    modules, channels = OrderedDict(), 1
    for index, spec in enumerate(specs):
        kind = spec["kind"]
        if kind == "pad":
            (top, bottom), (left, right) = spec["padding"]
            module = nn.ZeroPad2d((left, right, top, bottom))
        elif kind == "avg_pool":
            module = nn.AvgPool2d(
                spec["kernel"], spec["stride"], spec["padding"], ceil_mode=spec["ceil_mode"]
            )
        elif kind == "max_pool" and not linear:
            geometry = (spec["kernel"], spec["stride"], spec["padding"], spec["dilation"])
            module = nn.MaxPool2d(*geometry)
        else:
            out = spec["channels"] if kind == "conv" else channels
            module = nn.Conv2d(
                channels, out, spec["kernel"], spec["stride"], spec["padding"], spec["dilation"]
            )
            channels = out
        modules[f"layer{index}"] = module
    model = nn.Sequential(modules).double()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            parameter.fill_(0.0 if name.endswith("bias") else 1.0)
    return model


def keras_stack(specs: list[dict], linear: bool, size: tuple[int, int]) -> keras.Sequential:
    """The stack in Keras, as :func:`torch_stack`."""
    layers, stack, channels = keras.layers, [keras.Input((*size, 1))], 1
    for index, spec in enumerate(specs):
        kind, name = spec["kind"], f"layer{index}"
        if kind == "pad":
            stack.append(layers.ZeroPadding2D(spec["padding"], name=name))
            continue
        geometry = {"strides": spec["stride"], "padding": spec["padding"], "name": name}
        if kind == "avg_pool":
            stack.append(layers.AveragePooling2D(spec["kernel"], **geometry))
        elif kind == "max_pool" and not linear:
            stack.append(layers.MaxPooling2D(spec["kernel"], **geometry))
        else:
            channels = spec["channels"] if kind == "conv" else channels
            stack.append(
                layers.Conv2D(
                    channels,
                    spec["kernel"],
                    dilation_rate=spec["dilation"],
                    kernel_initializer="ones",
                    bias_initializer="zeros",
                    **geometry,
                )
            )
    return keras.Sequential(stack)


def build(framework: str, specs: list[dict], linear: bool, size: tuple[int, int]):
    """The stack, or None if ``size`` is too small for it (the draw is then rejected)."""
    try:
        if framework == "torch":
            model = torch_stack(specs, linear)
            with torch.no_grad():
                model(torch.zeros((1, 1, *size), dtype=torch.float64))
            return model
        return keras_stack(specs, linear, size)
    except (RuntimeError, ValueError):
        return None


@st.composite
def stacks(draw, framework: str):
    """(specs, input size (H, W), seed) of a stack of one to four layers, the first a
    convolution (a PyTorch model tells its input channels by its first nn.Conv2d)."""
    first = draw(layer_specs(framework, kinds=("conv",)))
    specs = [first, *draw(st.lists(layer_specs(framework), max_size=3))]
    size = (draw(st.integers(4, 20)), draw(st.integers(4, 20)))
    return specs, size, draw(st.integers(0, 2**32 - 1))


def clipped(span: np.ndarray, length: int) -> tuple[int, int] | None:
    first, last = max(int(span[0]), 0), min(int(span[1]), length - 1)
    return (first, last) if first <= last else None


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_receptive_fields_equal_the_supports_of_input_gradients(framework):
    @settings(max_examples=examples(1.0))
    @given(stacks(framework))
    def check(case):
        specs, size, seed = case
        twin = build(framework, specs, linear=True, size=size)
        assume(twin is not None)
        pooled = any(spec["kind"] == "max_pool" for spec in specs)
        model = build(framework, specs, linear=False, size=size) if pooled else twin
        layer = f"layer{len(specs) - 1}"
        field = explain.receptive_field(twin, layer, input_size=size)
        assert explain.receptive_field(model, layer, input_size=size) == field
        ones = np.ones(size)
        filled = gradient_supports(twin, ones, field.output_size)
        # Random positive pixels, so that max pooling picks various maxima.
        image = np.random.default_rng(seed).uniform(1.0, 2.0, size)
        within = gradient_supports(model, image, field.output_size) if pooled else {}
        rows, cols = field.span(0), field.span(1)
        for (i, j), support in filled.items():
            span = ((int(rows[i, 0]), int(rows[i, 1])), (int(cols[j, 0]), int(cols[j, 1])))
            inside = (clipped(rows[i], size[0]), clipped(cols[j], size[1]))
            if span == inside:
                assert support == span, (i, j)
            for box in (support, within.get((i, j))):
                if None in inside:
                    assert box is None, (i, j)
                elif box is not None:
                    (top, bottom), (left, right) = box
                    assert inside[0][0] <= top <= bottom <= inside[0][1], (i, j)
                    assert inside[1][0] <= left <= right <= inside[1][1], (i, j)

    check()


@st.composite
def small_cnns(draw) -> dict:
    """A random small classifier: one to three blocks (convolution, activation, maybe 2x2 max
    pooling), then global average pooling or a flatten, and a dense layer; the method, the
    layer, and one class per image.

    Convolutions pad 'same' only with stride 1: with stride 2 Keras pads asymmetrically
    (PyTorch's padding is symmetric), so a strided convolution is 'valid' here.
    """
    channels, size = draw(st.integers(1, 3)), (draw(st.integers(6, 12)), draw(st.integers(6, 12)))
    blocks = []
    for _ in range(draw(st.integers(1, 3))):
        kernel = draw(st.sampled_from([1, 3]))
        stride = draw(st.sampled_from([1, 2]))
        same = stride == 1 and draw(st.booleans())
        blocks.append(
            {
                "filters": draw(st.integers(2, 5)),
                "kernel": kernel,
                "stride": stride,
                "same": same,
                "activation": draw(st.sampled_from(["relu", "tanh"])),
                "pool": draw(st.booleans()),
            }
        )
    head = draw(st.sampled_from(["gap", "flatten"]))
    methods = ["grad_cam"] + (["cam"] if head == "gap" else [])
    if not any(block["pool"] for block in blocks):
        # Where max pooling ties (zeros after a ReLU), the frameworks may send the gradient to
        # different entries; Grad-CAM's spatial mean does not see which, Grad-CAM++ does.
        methods.append("grad_cam_plus_plus")
    method = draw(st.sampled_from(methods))
    names = [
        f"{kind}{index}"
        for index, block in enumerate(blocks)
        for kind in ("conv", "act", "pool")
        if kind != "pool" or block["pool"]
    ]
    # CAM explains the maps the global average pooling reads; the others any layer, or the
    # default one (both frameworks must pick the same).
    layer = None if method == "cam" else draw(st.sampled_from([None, *names]))
    classes = draw(st.integers(2, 5))
    n = draw(st.integers(1, 3))
    return {
        "channels": channels,
        "size": size,
        "blocks": blocks,
        "head": head,
        "method": getattr(explain, method),
        "layer": layer,
        "classes": classes,
        "targets": draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n)),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }


TORCH_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}


def torch_cnn(spec: dict) -> tuple[nn.Sequential, tuple[int, int, int]] | None:
    """The network in PyTorch and the (C, h, w) shape its head reads; None if the blocks
    shrink the images to nothing."""
    torch.manual_seed(spec["seed"])
    modules, channels = OrderedDict(), spec["channels"]
    for index, block in enumerate(spec["blocks"]):
        padding = block["kernel"] // 2 if block["same"] else 0
        modules[f"conv{index}"] = nn.Conv2d(
            channels, block["filters"], block["kernel"], block["stride"], padding
        )
        modules[f"act{index}"] = TORCH_ACTIVATIONS[block["activation"]]()
        if block["pool"]:
            modules[f"pool{index}"] = nn.MaxPool2d(2)
        channels = block["filters"]
    if spec["head"] == "gap":
        modules["gap"] = nn.AdaptiveAvgPool2d(1)
    try:
        with torch.no_grad():
            features = nn.Sequential(modules)(torch.zeros((1, spec["channels"], *spec["size"])))
    except RuntimeError:
        return None
    modules["flatten"] = nn.Flatten()
    modules["dense"] = nn.Linear(features.numel(), spec["classes"])
    return nn.Sequential(modules).eval(), tuple(features.shape[1:])


def keras_cnn(spec: dict, state: dict, features: tuple[int, int, int]) -> keras.Sequential:
    """The same network in Keras with PyTorch's weights; ``features`` is the (C, h, w) shape
    the head reads."""
    layers = keras.layers
    stack = [keras.Input((*spec["size"], spec["channels"]))]
    for index, block in enumerate(spec["blocks"]):
        padding = "same" if block["same"] else "valid"
        stack.append(
            layers.Conv2D(
                block["filters"], block["kernel"], block["stride"], padding, name=f"conv{index}"
            )
        )
        stack.append(layers.Activation(block["activation"], name=f"act{index}"))
        if block["pool"]:
            stack.append(layers.MaxPooling2D(2, name=f"pool{index}"))
    if spec["head"] == "gap":
        stack.append(layers.GlobalAveragePooling2D(name="gap"))
    stack += [layers.Flatten(name="flatten"), layers.Dense(spec["classes"], name="dense")]
    model = keras.Sequential(stack)
    flattened = {"dense": features} if spec["head"] == "flatten" else {}
    load_torch_weights(model, state, flattened=flattened)
    return model


def assert_same_maps(result, expected) -> None:
    assert result.layer == expected.layer
    np.testing.assert_array_equal(result.classes, expected.classes)
    np.testing.assert_allclose(result.scores, expected.scores, rtol=1e-5, atol=1e-6)
    scale = max(np.abs(expected.heatmaps).max(), np.abs(result.heatmaps).max())
    np.testing.assert_allclose(result.heatmaps, expected.heatmaps, rtol=0, atol=1e-5 * scale)


@settings(max_examples=examples(1.0))
@given(small_cnns())
def test_keras_heatmaps_equal_torch_heatmaps_on_random_small_cnns(spec):
    built = torch_cnn(spec)
    assume(built is not None)
    torch_model, features = built
    state = {key: value.numpy() for key, value in torch_model.state_dict().items()}
    keras_model = keras_cnn(spec, state, features)
    images = np.random.default_rng(spec["seed"]).standard_normal(
        (len(spec["targets"]), spec["channels"], *spec["size"]), dtype=np.float32
    )
    method, layer, target = spec["method"], spec["layer"], spec["targets"]
    expected = method(torch_model, images, layer=layer, target=target)
    result = method(keras_model, images.transpose(0, 2, 3, 1), layer=layer, target=target)
    assert_same_maps(result, expected)
