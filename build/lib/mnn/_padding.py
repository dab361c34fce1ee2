"""TensorFlow's "SAME" padding, which the EfficientNet checkpoint was trained with.

Kept apart from the models and the explainers, which both need it and import nothing of each
other.
"""

from __future__ import annotations


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow "SAME" padding of one spatial axis: (before, after).

    The output has ``ceil(size / stride)`` positions; the total padding that needs is split with
    the extra pixel, if any, *after* (bottom or right). PyTorch's symmetric ``kernel // 2``
    differs for stride 2 and moves every later feature map by half a pixel.
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2
