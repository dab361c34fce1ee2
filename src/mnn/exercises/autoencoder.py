"""Chapter 6's answer checker: the decoder that mirrors a convolutional encoder.

A layer table is a list of ``(kind, size)`` pairs, read from the input to the output:
``("conv", filters)`` a 3x3 convolution with "same" padding, ``("relu", None)``,
``("sigmoid", None)``, ``("maxpool", 2)``, ``("upsample", 2)`` (nearest neighbour),
``("flatten", None)``, ``("dense", units)``, and ``("reshape", channels)`` (a vector to
``channels`` square maps). The reference is :func:`mnn.models.autoencoder.layer_table`, which
builds the chapter's encoder and decoder from the encoder's widths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..models import autoencoder
from .checking import Case, CheckReport, Mistake, format_value, run_checks

DECODER_TABLE = "decoder_table(encoder) -> decoder"

Table = list[tuple[str, Any]]


def _pairs(layers: Sequence[Any]) -> Table:
    """A layer table as (kind, size) pairs; sizes as ints (None for layers without one)."""
    return [(layer.kind, None if layer.size is None else int(layer.size)) for layer in layers]


def compare_tables(expected: Table, got: Any) -> str | None:
    """Compare two layer tables entry by entry; ``None`` when they agree.

    Returns
    -------
    str or None
        The first layer that differs, or the lengths when one table is a prefix of the other.
    """
    try:
        rows = [tuple(row) for row in got]
    except TypeError:
        return f"expected a list of (kind, size) pairs, got {format_value(got)}."
    for index, (want, row) in enumerate(zip(expected, rows, strict=False)):
        if len(row) != 2 or row[0] != want[0] or row[1] != want[1]:
            return f"layer {index} (counting from 0) should be {want}, got {row}."
    if len(rows) != len(expected):
        missing = "missing" if len(rows) < len(expected) else "extra"
        layers = expected[len(rows) :] if len(rows) < len(expected) else rows[len(expected) :]
        return (
            f"expected {len(expected)} layers, got {len(rows)}; the {missing} layers at the end "
            f"are {layers}."
        )
    return None


def _decoder_start(encoder: Table) -> tuple[list[int], Table]:
    """The encoder's widths, and the decoder's first layers: dense, ReLU, reshape."""
    widths = [size for kind, size in encoder if kind == "conv"]
    side = 28 // 2 ** sum(kind == "maxpool" for kind, _ in encoder)
    return widths, [("dense", widths[-1] * side * side), ("relu", None), ("reshape", widths[-1])]


def _reversed_widths(encoder: Table) -> Table:
    """A wrong reading of the rule: the encoder's widths reversed, then one more convolution
    back to one channel."""
    widths, decoder = _decoder_start(encoder)
    for k, width in enumerate(reversed(widths)):
        decoder += [("conv", width), ("relu", None)]
        if k < len(widths) - 1:
            decoder.append(("upsample", 2))
    return [*decoder, ("conv", 1), ("sigmoid", None)]


def _upsampling_first(encoder: Table) -> Table:
    """A wrong order: each upsampling before the convolution it should follow."""
    widths, decoder = _decoder_start(encoder)
    targets = [*reversed(widths[:-1]), 1]
    for k, width in enumerate(targets):
        if k < len(widths) - 1:
            decoder.append(("upsample", 2))
        decoder += [("conv", width), ("relu" if k < len(targets) - 1 else "sigmoid", None)]
    return decoder


def check_decoder_table(function: Callable[[Table], Table]) -> CheckReport:
    """Check the symmetric decoder: ``decoder = decoder_table(encoder)``.

    The encoder has 3x3 convolutions of widths :math:`c_1, \\dots, c_d`, each with a ReLU and
    with a 2x2 max pooling between consecutive ones, then a flatten and a dense code layer;
    images are 28x28 with one channel. The decoder mirrors it layer by layer: a dense layer
    (with ReLU) and a reshape undo the code and the flatten; the convolution
    :math:`c_{k-1} \\to c_k` is mirrored by one :math:`c_k \\to c_{k-1}` at the same resolution
    (with :math:`c_0 = 1`, the image); each pooling by an upsampling; the last convolution ends
    in a sigmoid instead of a ReLU.

    Parameters
    ----------
    function
        ``function(encoder)`` with the encoder's table, a list of ``(kind, size)`` pairs (see the
        module's docstring); returns the decoder's table in the same form.

    Returns
    -------
    CheckReport
    """
    configurations = [
        ("one convolution, no pooling: widths (4,)", (4,), 2),
        ("two convolutions: widths (6, 12)", (6, 12), 2),
        ("the chapter's encoder: widths (8, 16, 16), a 2-unit code", (8, 16, 16), 2),
        ("three different widths (3, 5, 7)", (3, 5, 7), 2),
        ("a 3-unit code: widths (8, 16, 16)", (8, 16, 16), 3),
        ("wider layers: widths (16, 32, 32)", (16, 32, 32), 2),
    ]
    cases = []
    for description, widths, code_size in configurations:
        encoder, decoder = autoencoder.layer_table(widths, code_size)
        cases.append(Case(description, {"encoder": _pairs(encoder)}, {"decoder": _pairs(decoder)}))
    mistakes = [
        Mistake(
            "the decoder's convolutions take the encoder's widths in reverse order "
            "(c_d, ..., c_1) and one more convolution returns to one channel",
            _reversed_widths,
        ),
        Mistake(
            "each upsampling comes before the convolution it should follow, so the "
            "convolutions run at the wrong resolutions",
            _upsampling_first,
        ),
    ]
    return run_checks(
        "decoder_table", DECODER_TABLE, function, cases, mistakes=mistakes, compare=compare_tables
    )
