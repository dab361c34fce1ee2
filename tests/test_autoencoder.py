"""The autoencoder: mirrored architecture, same model in both frameworks, its loss, its errors."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import torch

import mnn
from mnn._frameworks import framework_module
from mnn.models import autoencoder as ae
from mnn.models.inference import forward

SMALL = (2, 3, 4)


def images(n: int = 6, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 28, 28), dtype=np.float32)


def numpy_bce(outputs: np.ndarray, targets: np.ndarray) -> float:
    outputs = outputs.astype(np.float64)
    return float(-np.mean(targets * np.log(outputs) + (1 - targets) * np.log(1 - outputs)))


@pytest.fixture(scope="module")
def models() -> dict[str, object]:
    return {
        "torch": mnn.models.untrained_autoencoder("torch", widths=SMALL, seed=1),
        "keras": mnn.models.untrained_autoencoder("keras", widths=SMALL, seed=1),
    }


def torch_convolutions(model) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(in, out) channels of the encoder's and the decoder's convolutions, read off the weights."""
    parts = []
    for part in (model.encoder, model.decoder):
        parts.append([tuple(m.weight.shape[1::-1]) for m in part if isinstance(m, torch.nn.Conv2d)])
    return parts[0], parts[1]


def keras_convolutions(model) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    parts = []
    for part in ("encoder", "decoder"):
        layers = model.get_layer(part).layers
        parts.append(
            [tuple(l.kernel.shape[2:]) for l in layers if isinstance(l, keras.layers.Conv2D)]
        )
    return parts[0], parts[1]


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_encoder_and_decoder_widths_mirror_each_other(models, framework) -> None:
    convolutions = torch_convolutions if framework == "torch" else keras_convolutions
    encoder, decoder = convolutions(models[framework])
    assert encoder == [(1, 2), (2, 3), (3, 4)]
    # The decoder's k-th last convolution maps the encoder's k-th convolution's outputs back.
    assert decoder == [(out, inp) for inp, out in reversed(encoder)]


def test_resolutions_mirror_each_other(models) -> None:
    """Each decoder convolution works at the resolution of the encoder convolution it mirrors."""
    model, sizes = models["torch"], {}
    hooks = [
        module.register_forward_hook(lambda m, i, o, name=name: sizes.__setitem__(name, o.shape))
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Conv2d)
    ]
    model(torch.zeros(1, 1, 28, 28))
    for hook in hooks:
        hook.remove()
    encoder = [sizes[f"encoder.enc_conv{k}"][-1] for k in (1, 2, 3)]
    decoder = [sizes[f"decoder.dec_conv{k}"][-1] for k in (1, 2, 3)]
    assert encoder == decoder == [28, 14, 7]
    dense = model.encoder.code, model.decoder.dec_dense
    assert dense[0].weight.shape == dense[1].weight.shape[::-1] == (2, 4 * 7 * 7)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_output_shape_equals_input_shape(models, framework) -> None:
    model, x = models[framework], images(5)
    native = x[:, None] if framework == "torch" else x[..., None]
    output = forward(model, native)
    assert output.shape == native.shape
    assert np.all((output > 0) & (output < 1))
    assert mnn.models.reconstruct(model, x).shape == x.shape
    assert mnn.models.encode(model, x).shape == (5, 2)
    assert mnn.models.decode(model, np.zeros((3, 2), np.float32)).shape == (3, 28, 28)


@pytest.mark.parametrize("widths", [SMALL, ae.WIDTHS, (5, 7)])
def test_keras_and_torch_have_equal_parameter_counts(widths) -> None:
    counts = [
        mnn.models.count_parameters(mnn.models.untrained_autoencoder(framework, widths=widths))
        for framework in ("torch", "keras")
    ]
    encoder, decoder = ae.layer_table(widths)
    table = sum(ae.parameter_counts(encoder, (1, 28, 28))) + sum(ae.parameter_counts(decoder, (2,)))
    assert counts[0] == counts[1] == table


def test_default_parameter_count_by_hand() -> None:
    c1, c2, c3 = ae.WIDTHS
    weights = 9 * (1 * c1 + c1 * c2 + c2 * c3)  # the decoder's convolutions have as many
    biases = (c1 + c2 + c3) + (c2 + c1 + 1)
    dense = (49 * c3 * 2 + 2) + (2 * 49 * c3 + 49 * c3)
    model = mnn.models.untrained_autoencoder("torch")
    assert mnn.models.count_parameters(model) == 2 * weights + biases + dense
    assert f"{2 * weights + biases + dense:,}" in ae.summary().splitlines()[-1]


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_loss_equals_numpy_binary_cross_entropy(models, framework) -> None:
    rng = np.random.default_rng(2)
    outputs = rng.uniform(0.01, 0.99, (4, 28, 28, 1)).astype(np.float32)
    targets = rng.random((4, 28, 28, 1), dtype=np.float32)
    half = framework_module("mnn.models.autoencoder", framework)
    assert half.loss_value(outputs, targets) == pytest.approx(numpy_bce(outputs, targets), rel=1e-6)
    model, x, t = models[framework], images(7, seed=3), images(7, seed=4)
    reconstruction = mnn.models.reconstruct(model, x)
    assert mnn.models.reconstruction_loss(model, x, t) == pytest.approx(
        numpy_bce(reconstruction, t), rel=1e-6
    )
    assert mnn.models.reconstruction_loss(model, x) == pytest.approx(
        numpy_bce(reconstruction, x), rel=1e-6
    )


@pytest.mark.parametrize("source", ["torch", "keras"])
def test_converted_autoencoder_computes_the_same_function(source) -> None:
    target = {"torch": "keras", "keras": "torch"}[source]
    model = mnn.models.untrained_autoencoder(source, widths=SMALL, seed=5)
    copy = mnn.models.convert_autoencoder(model, target)
    x, z = images(4, seed=6), np.random.default_rng(7).normal(size=(4, 2)).astype(np.float32)
    np.testing.assert_allclose(
        mnn.models.encode(copy, x), mnn.models.encode(model, x), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        mnn.models.decode(copy, z), mnn.models.decode(model, z), rtol=1e-5, atol=1e-6
    )
    back = mnn.models.convert_autoencoder(copy, source)
    np.testing.assert_array_equal(mnn.models.reconstruct(back, x), mnn.models.reconstruct(model, x))


def test_pca_codes_and_reconstructions_match_an_svd() -> None:
    x = images(40, seed=8)
    pca = mnn.models.pca_autoencoder(x, n_components=2)
    codes = mnn.models.encode(pca, x)
    assert codes.shape == (40, 2)
    flat = x.reshape(40, -1).astype(np.float64)
    mean = flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat - mean, full_matrices=False)
    expected = (flat - mean) @ vt[:2].T
    signs = np.sign(np.sum(codes * expected, axis=0))
    np.testing.assert_allclose(codes, expected * signs, atol=1e-4)
    reconstruction = mean + expected @ vt[:2]
    np.testing.assert_allclose(
        mnn.models.reconstruct(pca, x).reshape(40, -1), reconstruction, atol=1e-4
    )
    assert mnn.models.decode(pca, codes).shape == (40, 28, 28)


def test_latent_grid_spans_the_codes_in_drawing_order() -> None:
    codes = np.random.default_rng(9).normal(size=(500, 2)).astype(np.float32)
    grid = mnn.models.latent_grid(codes, n=4, quantiles=(0.0, 1.0))
    assert grid.shape == (16, 2)
    lattice = grid.reshape(4, 4, 2)
    np.testing.assert_allclose(
        lattice[0, :, 0], np.linspace(*np.sort(codes[:, 0])[[0, -1]], 4), rtol=1e-6
    )
    np.testing.assert_allclose(
        lattice[:, 0, 1], np.linspace(*np.sort(codes[:, 1])[[-1, 0]], 4), rtol=1e-6
    )
    assert np.all(lattice[:, :, 0] == lattice[:1, :, 0])
    assert np.all(lattice[:, :, 1] == lattice[:, :1, 1])


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (
            np.zeros((2, 28, 28, 1), np.float32),
            ValueError,
            r"images must have shape \(any, 28, 28\).*images\[\.\.\., 0\]",
        ),
        (
            np.zeros((2, 1, 28, 28), np.float32),
            ValueError,
            r"shape \(any, 28, 28\).*drop the channel axis with images\[:, 0\]",
        ),
        (np.zeros((28, 28)), ValueError, r"shape \(any, 28, 28\).*pass images\[None\]"),
        (np.zeros((2, 27, 27)), ValueError, r"shape \(any, 28, 28\).*autoencoder_inputs"),
        (np.zeros((0, 28, 28)), ValueError, r"images is empty, shape \(0, 28, 28\)"),
        (np.zeros((2, 28, 28), np.uint8), TypeError, r"floating-point pixels in \[0, 1\].*uint8"),
        (
            np.full((2, 28, 28), 255.0),
            ValueError,
            r"must lie in \[0, 1\], got values from 255 to 255",
        ),
        (np.full((2, 28, 28), -0.5), ValueError, r"must lie in \[0, 1\].*autoencoder_inputs"),
        (np.full((2, 28, 28), np.nan), ValueError, "must be finite"),
        ([[0.0]], TypeError, "must be a NumPy array"),
    ],
)
def test_bad_images_are_refused_everywhere(models, value, error, message) -> None:
    model = models["torch"]
    with pytest.raises(error, match=message):
        mnn.models.encode(model, value)
    with pytest.raises(error, match=message):
        mnn.models.reconstruct(models["keras"], value)
    with pytest.raises(error, match=message):
        mnn.models.reconstruction_loss(model, value)
    with pytest.raises(error, match=message.replace("images", "train_images")):
        mnn.models.train_autoencoder("torch", value, images(2), epochs=1, progress=False)
    with pytest.raises(error, match=message.replace("images", "test_images")):
        mnn.models.train_autoencoder("torch", images(2), value, epochs=1, progress=False)


def test_bad_codes_and_models_are_refused(models) -> None:
    with pytest.raises(ValueError, match=r"codes must have shape \(any, 2\), got array of shape"):
        mnn.models.decode(models["torch"], np.zeros((3, 3), np.float32))
    with pytest.raises(TypeError, match="codes must have a floating dtype"):
        mnn.models.decode(models["keras"], np.zeros((3, 2), np.int64))
    with pytest.raises(ValueError, match="codes must be finite"):
        mnn.models.decode(models["torch"], np.full((1, 2), np.inf, np.float32))
    pca = mnn.models.pca_autoencoder(images(5))
    for model in (models["torch"], models["keras"], pca):
        with pytest.raises(ValueError, match=r"codes is empty, shape \(0, 2\)"):
            mnn.models.decode(model, np.zeros((0, 2), np.float32))
    with pytest.raises(ValueError, match="images is empty"):
        mnn.models.encode(pca, np.zeros((0, 28, 28), np.float32))
    with pytest.raises(
        TypeError, match=r"an autoencoder made by mnn\.models\.untrained_autoencoder"
    ):
        mnn.models.encode(torch.nn.Linear(2, 2), images(1))
    with pytest.raises(TypeError, match=r"torch\.nn\.Module or a keras\.Model"):
        mnn.models.decode("model", np.zeros((1, 2), np.float32))
    with pytest.raises(TypeError, match="compare them by mean squared error"):
        mnn.models.reconstruction_loss(mnn.models.pca_autoencoder(images(5)), images(5))
    with pytest.raises(ValueError, match=r"targets must have the shape of images \(2, 28, 28\)"):
        mnn.models.reconstruction_loss(models["torch"], images(2), images(3))


def test_bad_architectures_and_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="28 is not divisible by 8; use at most 3 widths"):
        mnn.models.untrained_autoencoder("torch", widths=(2, 2, 2, 2))
    with pytest.raises(TypeError, match="widths must be a non-empty sequence of integers"):
        mnn.models.untrained_autoencoder("torch", widths=8)
    with pytest.raises(ValueError, match="framework must be one of 'torch', 'keras'; got 'jax'"):
        mnn.models.untrained_autoencoder("jax")
    with pytest.raises(ValueError, match=r"noise_std must be finite and at least 0, got -1"):
        mnn.models.train_autoencoder("torch", images(2), images(2), noise_std=-1.0)
    with pytest.raises(ValueError, match="learning_rate must be finite and greater than 0"):
        mnn.models.trained_autoencoder("torch", learning_rate=0.0)
    with pytest.raises(ValueError, match=r"n_train must be at most 60,000 \(all images\)"):
        mnn.models.trained_autoencoder("torch", n_train=70_000)
    with pytest.raises(ValueError, match="quantiles must satisfy"):
        mnn.models.latent_grid(np.zeros((3, 2), np.float32), quantiles=(0.9, 0.1))
    with pytest.raises(ValueError, match="do not spread in both directions"):
        mnn.models.latent_grid(np.zeros((3, 2), np.float32))


def test_autoencoder_inputs_refuses_floats_and_says_they_need_no_conversion() -> None:
    with pytest.raises(TypeError, match=r"uint8 pixels.*float64.*inputs as they are"):
        mnn.models.autoencoder_inputs(images(2).astype(np.float64))


# Found by the API sweep (tests/test_sweep.py, issue #16) -------------------------------------


def test_codes_beyond_float32_are_refused_not_decoded_to_nan(models) -> None:
    with pytest.raises(ValueError, match="codes must lie within float32's range"):
        mnn.models.decode(models["torch"], np.array([[1e300, 0.0]]))
    # Finite in float32, but PyTorch's decoder overflows to NaN (Keras' saturates to 0 and 1).
    with pytest.raises(FloatingPointError, match="the decoder overflowed on codes as large"):
        mnn.models.decode(models["torch"], np.full((1, 2), 3e38, np.float32))


def test_latent_grid_checks_its_codes_grid_size_and_quantiles() -> None:
    codes = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]], np.float32)
    with pytest.raises(ValueError, match="codes must hold at least one code"):
        mnn.models.latent_grid(np.zeros((0, 2), np.float32))
    with pytest.raises(ValueError, match=r"a grid of n x n = 4,611,686,018,427,387,904 codes"):
        mnn.models.latent_grid(codes, n=2**31)
    with pytest.raises(TypeError, match=r"quantiles must be a pair \(low, high\)"):
        mnn.models.latent_grid(codes, quantiles=0.5)
    with pytest.raises(ValueError, match=r"quantiles must be a real number in \[0, 1\], got nan"):
        mnn.models.latent_grid(codes, quantiles=(0.1, float("nan")))
    with pytest.raises(TypeError, match="quantiles must be a real number"):
        mnn.models.latent_grid(codes, quantiles=("0.1", "0.9"))
    assert mnn.models.latent_grid(codes, n=2, quantiles=[0.0, 1.0]).shape == (4, 2)


def test_pca_has_at_most_as_many_components_as_images() -> None:
    with pytest.raises(ValueError, match="n_components must be at most 3"):
        mnn.models.pca_autoencoder(images(3), n_components=5)


def test_pca_of_copies_of_one_image_is_refused_not_fitted_to_nan() -> None:
    copies = np.repeat(images(1), 4, axis=0)
    with pytest.raises(ValueError, match="images are 4 copies of one image"):
        mnn.models.pca_autoencoder(copies)


def test_an_autoencoder_too_large_for_the_memory_is_refused_before_it_is_built() -> None:
    with pytest.raises(
        ValueError, match=r"an autoencoder of widths \(1099511627776,\).*would need"
    ):
        ae.layer_table((2**40,))
    with pytest.raises(ValueError, match="code_size 4294967296 would need"):
        mnn.models.untrained_autoencoder("torch", code_size=2**32)
