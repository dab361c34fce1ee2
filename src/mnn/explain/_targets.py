"""Which classes to explain: ``target`` as int, list, ``"top"`` or ``("top", k)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_positive_int, describe

TARGET_FORMS = (
    'target must be a class index, a list of one class index per image, "top" or ("top", k)'
)


@dataclass(frozen=True)
class Targets:
    """The classes to explain for a batch of N images.

    Attributes
    ----------
    classes
        (N, 1) explicit classes, or ``None`` when the model's top classes are wanted.
    top
        How many of the highest-scoring classes (``classes is None``), else 0.
    ranked
        Whether results keep a k axis: (N, k, h, w) for ``("top", k)``, (N, h, w) otherwise.
    named
        The class ``target`` names as one index, checked even for an empty batch.
    """

    classes: np.ndarray | None
    top: int
    ranked: bool
    named: tuple[int, ...] = ()

    def check(self, num_classes: int) -> None:
        """Raise if a class is outside ``0 .. num_classes - 1`` or k exceeds ``num_classes``."""
        if self.top > num_classes:
            raise ValueError(
                f'target ("top", {self.top}) asks for more classes than the model has '
                f"({num_classes})."
            )
        if self.classes is not None:
            classes = np.concatenate([self.classes.ravel(), np.array(self.named, np.int64)])
            bad = classes[(classes < 0) | (classes >= num_classes)]
            if bad.size:
                raise ValueError(
                    f"target {int(bad[0])} is out of range: the model has {num_classes} classes, "
                    f"numbered 0 to {num_classes - 1}."
                )


def parse_target(target: Any, n_images: int) -> Targets:
    """Read ``target`` for a batch of ``n_images``; see :class:`Targets`."""
    if isinstance(target, str):
        if target != "top":
            raise ValueError(f"{TARGET_FORMS}; got the string {target!r}.")
        return Targets(None, 1, ranked=False)
    if isinstance(target, tuple):
        if len(target) != 2 or target[0] != "top":
            raise ValueError(f"{TARGET_FORMS}; got the tuple {target!r}.")
        return Targets(None, check_positive_int(target[1], "k in target=('top', k)"), ranked=True)
    if isinstance(target, (bool, np.bool_)):
        raise TypeError(f"{TARGET_FORMS}; got {target!r}.")
    if isinstance(target, (int, np.integer)):
        if not 0 <= target < 2**31:  # the range, once the model is known: Targets.check
            raise ValueError(f"target {target} is out of range: class indices count from 0.")
        classes = np.full((n_images, 1), int(target), np.int64)
        return Targets(classes, 0, ranked=False, named=(int(target),))
    if isinstance(target, (list, np.ndarray)):
        # An empty list has no dtype of its own: it is the classes of an empty batch.
        classes = np.asarray(
            target, dtype=np.int64 if isinstance(target, list) and not target else None
        )
        if classes.dtype.kind not in "iu" or classes.shape != (n_images,):
            raise ValueError(
                f"a list target needs one integer class per image ({n_images}), got "
                f"{describe(classes)}; for several classes per image use ('top', k) or call "
                "once per class."
            )
        return Targets(classes.astype(np.int64)[:, None], 0, ranked=False)
    raise TypeError(f"{TARGET_FORMS}; got {describe(target)}.")
