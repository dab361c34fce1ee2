"""EfficientNet-Lite0's architecture as data: the stages, the 16 blocks, the constants.

Both frameworks build from :data:`BLOCKS` (:mod:`~mnn.models.efficientnet.torch`,
:mod:`~mnn.models.efficientnet.keras`).
"""

from __future__ import annotations

from dataclasses import dataclass

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
