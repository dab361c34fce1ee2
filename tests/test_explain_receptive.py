"""Receptive fields against hand-computed values and gradient supports; upsampling to the input."""

from __future__ import annotations

from collections import OrderedDict

import keras
import numpy as np
import pytest
import torch
from receptive_oracles import gradient_supports
from torch import nn
from torch.nn import functional as F

from mnn import explain
from mnn.models import untrained_fashion_cnn

layers = keras.layers


def course_cnn_torch() -> nn.Sequential:
    """The course's small CNN: 3x3 convolutions without padding, 2x2 max pooling."""
    torch.manual_seed(0)
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(1, 4, 3),
            relu1=nn.ReLU(),
            conv2=nn.Conv2d(4, 4, 3),
            relu2=nn.ReLU(),
            pool1=nn.MaxPool2d(2),
            conv3=nn.Conv2d(4, 8, 3),
            relu3=nn.ReLU(),
            conv4=nn.Conv2d(8, 8, 3),
            relu4=nn.ReLU(),
            pool2=nn.MaxPool2d(2),
            flatten=nn.Flatten(),
            dense=nn.Linear(8 * 4 * 4, 10),
        )
    )


def course_cnn_keras() -> keras.Sequential:
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(4, 3, activation="relu", name="conv1"),
            layers.Conv2D(4, 3, activation="relu", name="conv2"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(8, 3, activation="relu", name="conv3"),
            layers.Conv2D(8, 3, activation="relu", name="conv4"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Flatten(name="flatten"),
            layers.Dense(10, name="dense"),
        ]
    )


# (layer, size, jump) of the course's network, by hand: r' = r + (k - 1) J, J' = stride J.
COURSE_FIELDS = [
    ("conv1", 3, 1),
    ("conv2", 5, 1),
    ("pool1", 6, 2),
    ("conv3", 10, 2),
    ("conv4", 14, 2),
]


@pytest.mark.parametrize("build", [course_cnn_torch, course_cnn_keras], ids=["torch", "keras"])
def test_course_cnn_fields_by_hand(build):
    model = build()
    for layer, size, jump in COURSE_FIELDS:
        field = explain.receptive_field(model, layer, input_size=(28, 28))
        assert field.size == (size, size) and field.jump == (jump, jump) and field.start == (0, 0)
    field = explain.receptive_field(model, "conv4", input_size=(28, 28))
    assert field.output_size == (8, 8)
    np.testing.assert_array_equal(field.span(0)[:3], [[0, 13], [2, 15], [4, 17]])
    np.testing.assert_array_equal(field.centre[2, 5], [4 + 6.5, 10 + 6.5])
    assert explain.receptive_field(model, input_size=(28, 28)).layer == (
        "relu4" if isinstance(model, nn.Module) else "conv4"
    )


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_fashion_cnn_with_same_padding(framework):
    """'same' padding keeps 14 px and jump 2 at conv4 and moves the start by the padding."""
    model = untrained_fashion_cnn(framework)
    field = explain.receptive_field(model, "conv4", input_size=(28, 28))
    # Each 3x3 convolution pads one pixel: starts -1, -2, (pool) -2, -2 - 1*2, -4 - 1*2.
    assert (field.size, field.jump, field.start, field.output_size) == (
        (14, 14),
        (2, 2),
        (-6, -6),
        (14, 14),
    )
    assert field.centre[0, 0, 0] == 0.5  # the middle of the first 2x2 pooling window


def strided_dilated_net() -> nn.Sequential:
    """Stride, padding, dilation, pooling with padding, asymmetric padding, a non-square kernel."""
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(1, 1, 3, stride=2, padding=1),
            conv2=nn.Conv2d(1, 1, 3, dilation=2, padding=2),
            pool=nn.AvgPool2d(3, stride=2, padding=1),
            pad=nn.ZeroPad2d((2, 0, 1, 0)),
            conv3=nn.Conv2d(1, 1, (3, 1), stride=(1, 2)),
        )
    )


# By hand, for rows and columns: conv1 r=3 J=2 s=-1; conv2 r=3+4*2=11 s=-1-2*2=-5;
# pool r=11+2*2=15 J=4 s=-5-1*2=-7; pad: rows s=-7-1*4, columns s=-7-2*4;
# conv3: rows r=15+2*4=23; columns J=8.
STRIDED_FIELDS = {
    "conv1": ((3, 3), (2, 2), (-1, -1)),
    "conv2": ((11, 11), (2, 2), (-5, -5)),
    "pool": ((15, 15), (4, 4), (-7, -7)),
    "pad": ((15, 15), (4, 4), (-11, -15)),
    "conv3": ((23, 15), (4, 8), (-11, -15)),
}


def test_stride_padding_dilation_by_hand():
    model = strided_dilated_net()
    for layer, expected in STRIDED_FIELDS.items():
        field = explain.receptive_field(model, layer, input_size=(32, 32))
        assert (field.size, field.jump, field.start) == expected, layer
    assert field.output_size == (7, 5)


def test_fields_equal_gradient_supports():
    """With positive weights and no nonlinearity, a unit's gradient is non-zero on its field."""
    model = strided_dilated_net().double()
    for parameter in model.parameters():
        nn.init.constant_(parameter, 1.0)
    field = explain.receptive_field(model, "conv3", input_size=(32, 32))
    rows, cols = (np.clip(field.span(axis), 0, 31) for axis in (0, 1))
    supports = gradient_supports(model, np.ones((32, 32)), field.output_size)
    empty = 0
    for i in range(field.output_size[0]):
        for j in range(field.output_size[1]):
            expected = (tuple(rows[i]), tuple(cols[j]))
            # A unit whose field lies in the left padding sees no pixel at all.
            if field.span(1)[j, 1] < 0:
                expected, empty = None, empty + 1
            assert supports[i, j] == expected
    assert empty == field.output_size[0]


def keras_model(*stack: layers.Layer, size: int) -> keras.Sequential:
    return keras.Sequential([keras.Input((size, size, 1)), *stack])


@pytest.mark.parametrize(("size", "start"), [(8, 0), (9, -1)])
def test_keras_same_padding_puts_the_odd_zero_after(size, start):
    model = keras_model(layers.Conv2D(1, 3, strides=2, padding="same", name="conv"), size=size)
    field = explain.receptive_field(model, "conv")
    assert (field.size, field.jump, field.start) == ((3, 3), (2, 2), (start, start))


def test_keras_padding_cropping_dilation_and_pooling():
    model = keras_model(
        layers.ZeroPadding2D((1, 2), name="pad"),
        layers.Conv2D(1, 3, dilation_rate=2, name="dilated"),
        layers.Cropping2D(((2, 0), (1, 0)), name="crop"),
        layers.AveragePooling2D(2, padding="same", name="pool"),
        size=11,
    )
    expected = {
        "pad": ((1, 1), (1, 1), (-1, -2)),
        "dilated": ((5, 5), (1, 1), (-1, -2)),
        "crop": ((5, 5), (1, 1), (1, -1)),
        # A 7 x 10 input to 'same' 2x2 pooling: 4 x 5 outputs, one zero after the last row.
        "pool": ((6, 6), (2, 2), (1, -1)),
    }
    for layer, (size, jump, start) in expected.items():
        field = explain.receptive_field(model, layer)
        assert (field.size, field.jump, field.start) == (size, jump, start), layer


def test_a_residual_sum_takes_the_union_of_its_branches():
    image = keras.Input((10, 10, 1))
    first = layers.Conv2D(2, 3, name="first")(image)
    branch = layers.Conv2D(2, 3, padding="same", name="branch")(first)
    total = layers.Add(name="sum")([first, branch])
    model = keras.Model(image, layers.Dense(3)(layers.GlobalAveragePooling2D()(total)))
    field = explain.receptive_field(model, "sum")
    # first: rows 0..2; branch: -1..3 from first's units -1..1: union -1..3 -> 5 px.
    assert (field.size, field.jump, field.start) == ((5, 5), (1, 1), (-1, -1))


def test_unknown_geometry_is_an_error():
    model = keras_model(
        layers.Conv2D(1, 3, name="conv"),
        layers.UpSampling2D(name="up"),
        layers.Conv2D(1, 3, name="after"),
        size=10,
    )
    assert explain.receptive_field(model, "conv").size == (3, 3)
    with pytest.raises(ValueError, match=r"through layer 'up' \(UpSampling2D\)"):
        explain.receptive_field(model, "after")


def naive_roi(heatmap: np.ndarray, field: explain.ReceptiveField) -> np.ndarray:
    """Each pixel: the mean of the units whose (clipped) field contains it."""
    height, width = field.input_size
    rows, cols = field.span(0), field.span(1)
    total, count = np.zeros((height, width)), np.zeros((height, width))
    for i, (top, bottom) in enumerate(rows):
        for j, (left, right) in enumerate(cols):
            top_, left_ = max(top, 0), max(left, 0)
            total[top_ : bottom + 1, left_ : right + 1] += heatmap[i, j]
            count[top_ : bottom + 1, left_ : right + 1] += 1
    return total / count


def test_roi_equals_the_naive_average_over_fields():
    model = strided_dilated_net()
    field = explain.receptive_field(model, "conv3", input_size=(32, 32))
    heatmap = np.random.default_rng(1).standard_normal(field.output_size)
    result = explain.to_input(heatmap, model, "conv3", mode="roi", input_size=(32, 32))
    np.testing.assert_allclose(result, naive_roi(heatmap, field), rtol=1e-12)


@pytest.mark.parametrize("size", [28, 29])
def test_roi_of_a_constant_map_is_constant(size):
    """Also when the last pixels are seen by no unit (29 = 2 * 14 + 1 before the pooling)."""
    model = course_cnn_torch()
    units = explain.receptive_field(model, "conv4", input_size=(size, size)).output_size
    maps = np.full((2, *units), 3.5)
    result = explain.to_input(maps, model, "conv4", mode="roi", input_size=(size, size))
    assert result.shape == (2, size, size)
    np.testing.assert_allclose(result, 3.5, rtol=1e-14)


def test_bilinear_equals_torch_interpolate():
    heatmaps = np.random.default_rng(2).standard_normal((2, 3, 7, 5))
    result = explain.to_input(heatmaps, mode="bilinear", input_size=(30, 17))
    expected = F.interpolate(
        torch.from_numpy(heatmaps), size=(30, 17), mode="bilinear", align_corners=False
    ).numpy()
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


def test_to_input_reads_layer_and_size_from_a_cam_result():
    model = course_cnn_torch()
    images = np.random.default_rng(3).standard_normal((2, 1, 28, 28)).astype(np.float32)
    result = explain.grad_cam(model, images, layer="conv4")
    roi = explain.to_input(result, model, mode="roi")
    expected = explain.to_input(result.heatmaps, model, "conv4", mode="roi", input_size=(28, 28))
    np.testing.assert_array_equal(roi, expected)
    assert explain.to_input(result).shape == (2, 28, 28)


def test_bad_input():
    model = course_cnn_torch()
    with pytest.raises(ValueError, match=r"mode must be one of 'bilinear', 'roi'; got 'nearest'"):
        explain.to_input(np.zeros((8, 8)), model, mode="nearest", input_size=(28, 28))
    with pytest.raises(ValueError, match=r"heatmaps have 7x7 units but layer 'conv4' has 8x8"):
        explain.to_input(np.zeros((7, 7)), model, "conv4", mode="roi", input_size=(28, 28))
    with pytest.raises(ValueError, match=r"needs the model"):
        explain.to_input(np.zeros((8, 8)), mode="roi", input_size=(28, 28))
    with pytest.raises(ValueError, match=r"needs input_size=\(H, W\)"):
        explain.to_input(np.zeros((8, 8)))
    with pytest.raises(ValueError, match=r"must be \(\.\.\., h, w\) maps"):
        explain.to_input(np.zeros(8), input_size=(28, 28))
    with pytest.raises(ValueError, match=r"PyTorch module does not declare its input size"):
        explain.receptive_field(model, "conv4")
    with pytest.raises(ValueError, match=r"input_size must be a pair \(H, W\) of positive ints"):
        explain.receptive_field(model, "conv4", input_size=28)
    with pytest.raises(ValueError, match=r"no layer 'conv5'.*'conv1', 'conv2', 'conv3', 'conv4'"):
        explain.receptive_field(model, "conv5", input_size=(28, 28))
    with pytest.raises(ValueError, match=r"'flatten' \(Flatten\) has output shape \(128,\)"):
        explain.receptive_field(model, "flatten", input_size=(28, 28))
    with pytest.raises(ValueError, match=r"any size\): pass input_size"):
        explain.receptive_field(
            keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(1, 3, name="c")]), "c"
        )


def test_input_size_must_be_a_pair_of_ints():
    with pytest.raises(ValueError, match=r"input_size must be a pair \(H, W\) of positive ints"):
        explain.to_input(np.zeros((7, 7)), input_size=(224.0, 224))
    with pytest.raises(ValueError, match=r"input_size must be a pair"):
        explain.to_input(np.zeros((7, 7)), input_size=(0, 224))


class SqueezeExcite(nn.Module):
    """conv, then the conv's maps scaled by a gate computed from their global average."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 5, padding=2)
        self.gate = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(2, 2, 1), nn.Sigmoid())
        self.after = nn.Conv2d(2, 2, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.conv(x)
        return self.after(features * self.gate(features))  # a functional product


def test_a_broadcast_gate_is_not_followed():
    field = explain.receptive_field(SqueezeExcite(), "after", input_size=(12, 12))
    assert (field.size, field.jump, field.start) == ((7, 7), (1, 1), (-2, -2))


class FunctionalPooling(nn.Module):
    """The PyTorch tutorial's way: pooling called as functions in forward()."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 5)
        self.conv2 = nn.Conv2d(2, 2, 5)
        self.conv3 = nn.Conv2d(2, 1, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.avg_pool2d(self.conv2(x), 3, stride=2, padding=1)
        return self.conv3(F.max_pool2d(x, kernel_size=2, stride=1, padding=1, dilation=2))


def test_functional_pooling_has_the_geometry_of_its_arguments():
    model = FunctionalPooling().double()
    same_with_modules = nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(1, 2, 5),
            pool1=nn.MaxPool2d(2),
            conv2=nn.Conv2d(2, 2, 5),
            pool2=nn.AvgPool2d(3, stride=2, padding=1),
            pool3=nn.MaxPool2d(2, stride=1, padding=1, dilation=2),
            conv3=nn.Conv2d(2, 1, 3),
        )
    )
    assert explain.receptive_field(model, "conv2", input_size=(40, 40)).size == (14, 14)
    for layer in ("conv2", "conv3"):
        field = explain.receptive_field(model, layer, input_size=(40, 40))
        expected = explain.receptive_field(same_with_modules, layer, input_size=(40, 40))
        assert field == expected


def test_an_input_size_too_large_for_the_memory_is_refused_before_anything_runs():
    """Issue #16: PyTorch failed with "Storage size calculation overflowed" for a 2**40 side."""
    model = course_cnn_torch()
    for size in [(2**40, 2**40), (10**6, 10**6)]:
        with pytest.raises(
            ValueError, match=r"one channel of an image of input_size .* would need"
        ):
            explain.receptive_field(model, "conv1", input_size=size)
