"""Training the autoencoder (plain or denoising), and keeping the trained model in the user cache.

:func:`~mnn.models.train_autoencoder` trains on arrays it is given;
:func:`~mnn.models.trained_autoencoder` trains on Fashion-MNIST once, keeps weights and history in
the user cache (keyed by the configuration and the seed, :func:`mnn.models.training.train_or_load`)
and loads them on later calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..._frameworks import framework_module
from ..._validation import check_bool, check_count, check_positive_int, check_positive_real
from ..fashion_mnist import TRAIN_IMAGES, training_subset
from ..training import History, evaluator, fit, train_or_load
from .build import framework_half, untrained_autoencoder
from .codes import INFERENCE_BATCH
from .images import autoencoder_inputs, check_images
from .noise import CLIP, add_noise
from .spec import CODE_SIZE, WIDTHS, layer_table

#: Defaults that train on all 60,000 images in well under a minute per epoch on two CPU cores.
EPOCHS = 3
BATCH_SIZE = 128
LEARNING_RATE = 2e-3


def train_autoencoder(
    framework: str,
    train_images: np.ndarray,
    test_images: np.ndarray,
    *,
    widths: Sequence[int] = WIDTHS,
    code_size: int = CODE_SIZE,
    epochs: int = EPOCHS,
    batch_size: int = BATCH_SIZE,
    learning_rate: float = LEARNING_RATE,
    noise_std: float = 0.0,
    seed: int = 0,
    progress: bool = True,
) -> tuple[Any, History]:
    """Train an autoencoder with Adam on the binary cross-entropy of its reconstructions.

    Parameters
    ----------
    framework
        ``"torch"`` or ``"keras"``.
    train_images, test_images
        (N, 28, 28) float pixels in [0, 1] (:func:`~mnn.models.autoencoder_inputs`); they are
        the targets.
    widths, code_size
        The architecture (:func:`~mnn.models.autoencoder.layer_table`).
    epochs, batch_size, learning_rate
        Passes over the training set, mini-batch size, Adam's step size.
    noise_std
        :math:`\\sigma > 0` trains a *denoising* autoencoder: every training mini-batch gets fresh
        noise (:func:`~mnn.models.add_noise`, clipped to [0, 1]) while the targets stay clean,
        and the test loss is measured on one noisy copy of ``test_images`` drawn from
        ``numpy.random.default_rng(seed)``.
    seed
        Seeds the initialisation, the batch order and the noise.
    progress
        Show a tqdm progress bar.

    Returns
    -------
    (model, history)
        The trained model and ``{"loss": [...], "val_loss": [...]}``: per epoch, the mean
        training loss over its mini-batches and the test loss after it.
    """
    train_images = check_images(train_images, "train_images")
    test_images = check_images(test_images, "test_images")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    learning_rate = check_positive_real(learning_rate, "learning_rate")
    noise_std = check_positive_real(noise_std, "noise_std", allow_zero=True)
    progress = check_bool(progress, "progress")
    model = untrained_autoencoder(framework, widths=widths, code_size=code_size, seed=seed)
    half = framework_half(framework)
    test_inputs = test_images
    corrupt = None
    if noise_std > 0:
        test_inputs = add_noise(test_images, noise_std, seed)

        def corrupt(inputs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
            return add_noise(inputs, noise_std, rng)

    kind = "denoising autoencoder" if noise_std > 0 else "autoencoder"
    history = fit(
        framework_module("mnn.models.training", framework).adam_step(
            model, half.loss, learning_rate
        ),
        evaluator(model, half.loss_value, INFERENCE_BATCH),
        (half.to_layout(train_images), half.to_layout(train_images)),
        (half.to_layout(test_inputs), half.to_layout(test_images)),
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        corrupt=corrupt,
        progress=progress,
        description=f"{kind} ({framework})",
    )
    if framework == "torch":
        model.eval()  # as the trained models loaded from the cache are
    return model, history


def trained_autoencoder(
    framework: str = "torch",
    *,
    widths: Sequence[int] = WIDTHS,
    code_size: int = CODE_SIZE,
    epochs: int = EPOCHS,
    batch_size: int = BATCH_SIZE,
    learning_rate: float = LEARNING_RATE,
    noise_std: float = 0.0,
    n_train: int | None = None,
    seed: int = 0,
    progress: bool = True,
) -> tuple[Any, History]:
    """The autoencoder trained on Fashion-MNIST: loaded from the user cache, or trained once.

    Parameters are those of :func:`train_autoencoder`, and

    n_train
        Train on the first ``n_train`` of a seeded shuffle of the 60,000 training images;
        ``None`` uses all of them. The test loss is measured on all 10,000 test images.

    Returns
    -------
    (model, history)
        As :func:`train_autoencoder` returns them; a PyTorch model is in evaluation mode.
    """
    encoder, decoder = layer_table(widths, code_size)
    half = framework_half(framework)
    trainer = framework_module("mnn.models.training", framework)
    config = {
        "encoder": [list(layer) for layer in encoder],
        "decoder": [list(layer) for layer in decoder],
        "framework": framework,
        "framework_version": trainer.version(),
        "epochs": check_positive_int(epochs, "epochs"),
        "batch_size": check_positive_int(batch_size, "batch_size"),
        "learning_rate": check_positive_real(learning_rate, "learning_rate"),
        "noise_std": check_positive_real(noise_std, "noise_std", allow_zero=True),
        "clip": CLIP,
        "n_train": check_count(n_train, "n_train", TRAIN_IMAGES, what="images"),
        "seed": check_positive_int(seed, "seed", minimum=0),
    }
    check_bool(progress, "progress")

    def train() -> tuple[Any, History]:
        (x_train, _), (x_test, _) = training_subset(config["n_train"], None, config["seed"])
        return train_autoencoder(
            framework,
            autoencoder_inputs(x_train),
            autoencoder_inputs(x_test),
            widths=widths,
            code_size=code_size,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            noise_std=noise_std,
            seed=seed,
            progress=progress,
        )

    def load(directory: Path) -> Any:
        return trainer.load_weights(half.network(encoder, decoder), directory)

    namespace = f"{'denoising_' if noise_std > 0 else ''}autoencoder/{framework}"
    return train_or_load(namespace, config, train, trainer.save_weights, load)
