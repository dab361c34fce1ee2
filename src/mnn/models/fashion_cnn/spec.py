"""The Fashion-MNIST CNN's layer table and training constants, which both frameworks build from."""

from __future__ import annotations

from ..fashion_mnist import IMAGE_SIZE
from ..layer_table import LayerSpec
from ..training.loop import accuracy

NUM_CLASSES = 10
#: The layer table. A "conv" is 3x3 with "same" padding and ``size`` filters, a "maxpool" takes
#: the maximum over ``size`` x ``size`` windows, "dropout" has rate ``size``, "dense" has ``size``
#: units.
LAYERS: tuple[LayerSpec, ...] = (
    LayerSpec("conv1", "conv", 16),
    LayerSpec("conv1_relu", "relu"),
    LayerSpec("conv2", "conv", 16),
    LayerSpec("conv2_relu", "relu"),
    LayerSpec("pool1", "maxpool", 2),
    LayerSpec("conv3", "conv", 32),
    LayerSpec("conv3_relu", "relu"),
    LayerSpec("conv4", "conv", 32),
    LayerSpec("conv4_relu", "relu"),
    LayerSpec("pool2", "maxpool", 2),
    LayerSpec("flatten", "flatten"),
    LayerSpec("dropout", "dropout", 0.5),
    LayerSpec("dense1", "dense", 128),
    LayerSpec("dense1_relu", "relu"),
    LayerSpec("dense2", "dense", 64),
    LayerSpec("dense2_relu", "relu"),
    LayerSpec("logits", "dense", NUM_CLASSES),
)
KERNEL_SIZE = 3
#: Reported beside the cross-entropy during training (:mod:`mnn.models.training`).
METRICS = {"accuracy": accuracy}
#: What the training history records, once per epoch.
HISTORY_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")
#: Test images per forward pass when the model is evaluated after every epoch.
EVALUATION_BATCH = 1000


def flattened_shape() -> tuple[int, int, int]:
    """(channels, height, width) of the feature map that ``flatten`` turns into a vector."""
    size, channels = IMAGE_SIZE, 1
    for layer in LAYERS[: [layer.name for layer in LAYERS].index("flatten")]:
        if layer.kind == "conv":
            channels = int(layer.size)
        elif layer.kind == "maxpool":
            size //= int(layer.size)
    return channels, size, size
