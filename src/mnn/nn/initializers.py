"""Initial weights: an initializer draws an array of a given shape from its fan-in and fan-out.

For a dense layer with weights W ∈ R^(n_in, n_out), fan_in = n_in and fan_out = n_out; for a
filter bank F ∈ R^(m, c, fh, fw), fan_in = c·fh·fw and fan_out = m·fh·fw.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from .._validation import check_scalar, check_shape, check_size, describe


class Initializer(ABC):
    """Draws initial weights. ``uses_activation_factor``: the layer multiplies the draw by
    its activation's ``factor`` (the course's convention for :class:`RandnAverage`)."""

    uses_activation_factor: bool = False

    def __call__(
        self, shape: tuple[int, ...], fan_in: int, fan_out: int, rng: np.random.Generator
    ) -> np.ndarray:
        """A float64 array of ``shape``.

        Parameters
        ----------
        shape
            Shape of the weights, a tuple of positive integers.
        fan_in, fan_out
            Positive integers (see above).
        rng
            The generator to draw from, e.g. ``np.random.default_rng(0)``.
        """
        shape = check_shape(shape, "shape")
        fan_in = check_scalar(fan_in, "fan_in", int, low=1)
        fan_out = check_scalar(fan_out, "fan_out", int, low=1)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"rng must be a numpy.random.Generator such as np.random.default_rng(0), got "
                f"{describe(rng)}."
            )
        check_size(shape, f"initial weights of shape {shape}")
        return self._draw(shape, fan_in, fan_out, rng)

    @abstractmethod
    def _draw(
        self, shape: tuple[int, ...], fan_in: int, fan_out: int, rng: np.random.Generator
    ) -> np.ndarray:
        """The draw itself, for checked arguments."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class RandnAverage(Initializer):
    """The course's default: N(0, 1) / √((fan_in + fan_out)/2), times the activation's factor.

    Without the factor this is Glorot's normal initialization. With ReLU's factor √2 the
    variance is 4/(fan_in + fan_out), He's 2/fan_in only when fan_in = fan_out: a first
    convolution 1 -> 32 with 3x3 filters draws about 16 times less variance than He's.
    """

    uses_activation_factor = True

    def _draw(
        self, shape: tuple[int, ...], fan_in: int, fan_out: int, rng: np.random.Generator
    ) -> np.ndarray:
        return rng.standard_normal(shape) / np.sqrt((fan_in + fan_out) / 2)


class He(Initializer):
    """He et al. (2015): N(0, 2/fan_in), for ReLU layers."""

    def _draw(
        self, shape: tuple[int, ...], fan_in: int, fan_out: int, rng: np.random.Generator
    ) -> np.ndarray:
        return rng.standard_normal(shape) * np.sqrt(2 / fan_in)


class Glorot(Initializer):
    """Glorot and Bengio (2010): uniform on [-r, r] with r = √(6/(fan_in + fan_out)), the
    default of Keras."""

    def _draw(
        self, shape: tuple[int, ...], fan_in: int, fan_out: int, rng: np.random.Generator
    ) -> np.ndarray:
        limit = np.sqrt(6 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape)
