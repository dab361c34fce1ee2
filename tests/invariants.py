"""What the randomised invariant tests (tests/test_invariants_*.py) share: how many examples."""

from __future__ import annotations

from hypothesis import settings


def examples(factor: float) -> int:
    """The profile's number of examples scaled by ``factor`` (at least 1).

    ``factor`` weighs a test's cost: the ``ci`` profile (25 examples) should keep all the
    invariant tests together within about two minutes, ``thorough`` (400) searches longer.
    """
    return max(1, round(settings.default.max_examples * factor))
