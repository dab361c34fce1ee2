"""Sweep specs for mnn.nn (see sweep.py).

NaN and infinity are neither valid nor bad input to a single layer, activation or loss: they
propagate as IEEE arithmetic says, as in PyTorch and Keras. A network checks its input
(``SequentialNet.evaluate`` and ``backprop`` raise FloatingPointError), so NaN is a bad input
there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sweep import (
    BOOLS,
    JUNK,
    Args,
    Spec,
    bad_array,
    bad_bool,
    bad_callable,
    bad_int,
    bad_real,
    bad_seed,
    bad_text,
    check_finite_array,
    float_arrays,
    floats,
    function,
    method,
    optional,
    seeds,
)

from mnn import nn
from mnn.nn.layers import ParametricLayer
from mnn.nn.patches import to_batch_last

ACTIVATIONS = (nn.Identity, nn.ReLU, nn.Sigmoid, nn.Tanh, nn.SoftMax)
INITIALIZERS = (nn.He, nn.Glorot, nn.RandnAverage)
LOSSES = (nn.CrossEntropy, nn.MeanSquaredError)
DTYPES = st.sampled_from([np.float32, np.float64, "float32", np.dtype("float64")])
FRACTION = floats(0.0, 0.99)
OPTIMIZERS = {
    nn.SGD: {"learning_rate": floats(1e-4, 1.0), "momentum": FRACTION},
    nn.Adam: {
        "learning_rate": floats(1e-4, 1.0),
        "beta1": FRACTION,
        "beta2": FRACTION,
        "epsilon": floats(1e-12, 1.0),
    },
}


def instance_of(cls: type) -> Any:
    def check(value: Any, args: Args) -> None:
        assert isinstance(value, cls)

    return check


def nothing_returned(value: Any, args: Args) -> None:
    assert value is None


# ------------------------------------------------------------------- common arguments


def activations() -> st.SearchStrategy[Any]:
    return st.sampled_from(ACTIVATIONS).map(lambda cls: cls())


def optimizers() -> st.SearchStrategy[Any]:
    return st.sampled_from(list(OPTIMIZERS)).flatmap(
        lambda cls: st.fixed_dictionaries(OPTIMIZERS[cls]).map(lambda kwargs: cls(**kwargs))
    )


def initializers() -> st.SearchStrategy[Any]:
    return st.sampled_from(INITIALIZERS).map(lambda cls: cls())


def parts() -> dict[str, st.SearchStrategy[Any]]:
    """Valid activation, optimizer and initializer of a parametric layer (``None``: default)."""
    return {
        "afun": st.none() | activations(),
        "optim": st.none() | optimizers(),
        "initializer": st.none() | initializers(),
    }


def layer_options() -> dict[str, st.SearchStrategy[Any]]:
    """The keyword arguments every parametric layer takes, valid."""
    return parts() | {
        "dtype": DTYPES,
        "rng": seeds() | seeds().map(np.random.default_rng),
        "name": st.none() | st.text(min_size=1, max_size=5),
    }


def bad_parts() -> dict[str, Any]:
    """Bad activations, optimizers and initializers: junk, classes instead of instances, and
    instances of another kind."""
    return {
        "afun": lambda args: optional(JUNK) | st.sampled_from([nn.ReLU, nn.SGD(), nn.He()]),
        "optim": lambda args: optional(JUNK) | st.sampled_from([nn.Adam, nn.ReLU()]),
        "initializer": lambda args: optional(JUNK) | st.sampled_from([nn.He, nn.SGD(), print]),
    }


def bad_dtype(args: Args) -> st.SearchStrategy[Any]:
    kinds = [None, np.int64, "foo", object, np.complex64, bool, "U3", "float65"]
    return st.sampled_from(kinds) | st.integers()


def bad_layer_options() -> dict[str, Any]:
    """Bad values of the keyword arguments of a parametric layer."""
    return bad_parts() | {
        "dtype": bad_dtype,
        "rng": lambda args: bad_seed(generator=True),
        "name": lambda args: optional(bad_text()),
    }


def bad_ints(length: int, minimum: int) -> st.SearchStrategy[Any]:
    """Anything but a tuple of ``length`` integers of at least ``minimum``."""
    good = (minimum + 1,) * length
    return st.one_of(
        optional(JUNK),
        st.just(good[:-1]),
        st.just((*good, 1)),
        st.just((minimum - 1, *good[1:])),
        st.just(tuple(float(v) for v in good)),
        st.just((True, *good[1:])),
    )


def bad_shape() -> st.SearchStrategy[Any]:
    """Anything but a tuple of positive integers (of any length)."""
    return st.one_of(
        JUNK.filter(lambda value: not isinstance(value, (list, tuple))),
        st.sampled_from([(0,), (2, -1), (2.0,), ("a",), (True, 2), [0, 3]]),
    )


def bad_pair(minimum: int) -> st.SearchStrategy[Any]:
    """Anything but an integer or a pair of integers of at least ``minimum``."""
    return st.one_of(
        optional(JUNK).filter(lambda value: not isinstance(value, (list, tuple))),
        st.sampled_from([minimum - 1, (minimum, minimum - 1), (minimum,) * 3, 1.0 + minimum]),
        BOOLS,
    )


def layouts(a: np.ndarray) -> st.SearchStrategy[np.ndarray]:
    """``a`` in the memory layouts a layer meets: C order, batch last, Fortran, a strided view."""
    strided = np.repeat(a, 2, axis=-1)[..., ::2]
    return st.sampled_from([a, to_batch_last(a), np.asfortranarray(a), strided])


# ------------------------------------------------------------------------ activations


def z_arrays(cls: type) -> st.SearchStrategy[np.ndarray]:
    min_side = 1 if cls is nn.SoftMax else 0
    shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=min_side, max_side=4)
    return st.sampled_from([np.float32, np.float64]).flatmap(
        lambda dtype: float_arrays(shapes, dtype, -30, 30)
    )


@st.composite
def activation_evaluate_args(draw: st.DrawFn, cls: type) -> Args:
    z = draw(z_arrays(cls))
    out = {"none": None, "new": np.empty_like(z), "z": z}[
        draw(st.sampled_from(["none", "new", "z"]))
    ]
    return {"self": cls(), "z": z, "out": out, "_z": z.copy()}


def check_activation(cls: type) -> Any:
    def check(a: Any, args: Args) -> None:
        z = args["_z"]
        check_finite_array(a, z.shape, z.dtype)
        if cls is nn.ReLU:
            assert np.all(a >= 0)
        if cls is nn.Sigmoid:
            assert np.all((a >= 0) & (a <= 1))
        if cls is nn.Tanh:
            assert np.all(np.abs(a) <= 1)
        if cls is nn.SoftMax and a.size:
            np.testing.assert_allclose(a.sum(axis=-1), 1, rtol=1e-5)

    return check


def bad_z(cls: type) -> Any:
    def bad(args: Args) -> st.SearchStrategy[Any]:
        z = args["z"]
        empty_classes = [st.just(z[..., :0])] if cls is nn.SoftMax else []
        return st.one_of(bad_array(z, any_shape=True, finite=False), *empty_classes)

    return bad


def bad_out(args: Args) -> st.SearchStrategy[Any]:
    return optional(bad_array(np.empty_like(args["z"]), finite=False))


@st.composite
def activation_backprop_args(draw: st.DrawFn, cls: type) -> Args:
    activation = cls()
    z = draw(z_arrays(cls))
    activation.evaluate(z)
    return {"self": activation, "delta": draw(float_arrays(z.shape, z.dtype))}


def check_activation_backprop(result: Any, args: Args) -> None:
    check_finite_array(result, args["delta"].shape)


def activation_specs(cls: type) -> dict[str, Spec]:
    name = f"mnn.nn.{cls.__name__}"
    return {
        name: Spec(call=function(cls), valid=st.just({}), check=instance_of(cls)),
        f"{name}.evaluate": Spec(
            call=method("evaluate"),
            valid=activation_evaluate_args(cls),
            check=check_activation(cls),
            bad={"z": bad_z(cls), "out": bad_out},
            words={"z": "the input z|SoftMax"},
        ),
        f"{name}.backprop": Spec(
            call=method("backprop"),
            valid=activation_backprop_args(cls),
            check=check_activation_backprop,
            bad={
                "delta": lambda args: bad_array(args["delta"], finite=False),
                "self": lambda args: st.just(cls()),
            },
        ),
    }


# ----------------------------------------------------------------------- initializers


def initializer_specs(cls: type) -> dict[str, Spec]:
    name = f"mnn.nn.{cls.__name__}"
    valid = st.fixed_dictionaries(
        {
            "self": st.just(cls()),
            "shape": st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple),
            "fan_in": st.integers(1, 100),
            "fan_out": st.integers(1, 100),
            "rng": seeds().map(np.random.default_rng),
        }
    )
    return {
        name: Spec(call=function(cls), valid=st.just({}), check=instance_of(cls)),
        f"{name}.__call__": Spec(
            call=method("__call__"),
            valid=valid,
            check=lambda w, args: check_finite_array(w, args["shape"], np.float64),
            bad={
                "shape": lambda args: bad_shape() | st.just((10**6, 10**6, 10**6)),
                "fan_in": lambda args: bad_int(1),
                "fan_out": lambda args: bad_int(1),
                "rng": lambda args: JUNK | st.integers(0, 5) | st.just(np.random.RandomState(0)),
            },
        ),
    }


# ------------------------------------------------------------------------- optimizers


@st.composite
def update_args(draw: st.DrawFn, optimizer: st.SearchStrategy[Any]) -> Args:
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shapes = draw(
        st.lists(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3), min_size=1, max_size=3)
    )
    params = [draw(float_arrays(shape, dtype)) for shape in shapes]
    grads = [draw(float_arrays(shape, dtype)) for shape in shapes]
    return {"self": draw(optimizer), "params": params, "grads": grads}


def check_update(result: Any, args: Args) -> None:
    assert result is None
    for param, grad in zip(args["params"], args["grads"], strict=True):
        check_finite_array(param, grad.shape, grad.dtype)


def bad_params(args: Args) -> st.SearchStrategy[Any]:
    params = args["params"]
    frozen = [p.copy() for p in params]
    frozen[0].flags.writeable = False
    return optional(JUNK) | st.sampled_from(
        [
            params[0],
            [p.tolist() for p in params],
            [p.astype(np.int64) for p in params],
            frozen,
            [*params, params[0]],
            [p[None] for p in params],
        ]
    )


def bad_grads(args: Args) -> st.SearchStrategy[Any]:
    grads = args["grads"]
    return optional(JUNK) | st.sampled_from(
        [
            [g.tolist() for g in grads],
            [g.astype(complex) for g in grads],
            [g[None] for g in grads],
            grads[:-1],
        ]
    )


def used_elsewhere(optimizers: st.SearchStrategy[Any]) -> Any:
    """Optimizers whose state belongs to parameters of other shapes."""

    def used(optimizer: Any) -> Any:
        optimizer.update([np.zeros((7, 7))], [np.ones((7, 7))])
        return optimizer

    return lambda args: optimizers.map(used)


def optimizer_specs(cls: type) -> dict[str, Spec]:
    keywords = st.fixed_dictionaries(OPTIMIZERS[cls])
    instances = keywords.map(lambda kwargs: cls(**kwargs))

    def bad_hyperparameter(key: str) -> Any:
        if key in ("learning_rate", "epsilon"):
            return lambda args: bad_real(0.0, include="neither")
        return lambda args: bad_real(0.0, 1.0, include="low")

    name = f"mnn.nn.{cls.__name__}"
    return {
        name: Spec(
            call=function(cls),
            valid=keywords,
            check=instance_of(cls),
            bad={key: bad_hyperparameter(key) for key in OPTIMIZERS[cls]},
        ),
        f"{name}.update": Spec(
            call=method("update"),
            valid=update_args(instances),
            check=check_update,
            bad={"params": bad_params, "grads": bad_grads, "self": used_elsewhere(instances)},
        ),
    }


# ----------------------------------------------------------------------------- layers


@st.composite
def conv_config(draw: st.DrawFn) -> Args:
    """Valid Conv2D arguments: the filters fit the padded input."""
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    padding = draw(st.sampled_from([0, 1, 2, (0, 1), [2, 0]]))
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    m = draw(st.integers(1, 3))
    fshape = (m, draw(st.integers(1, h + 2 * ph)), draw(st.integers(1, w + 2 * pw)))
    stride = draw(st.sampled_from([1, 2, 3, (1, 2), [2, 1]]))
    geometry = {"tensor": (c, h, w), "fshape": fshape, "stride": stride, "padding": padding}
    return geometry | draw(st.fixed_dictionaries(layer_options()))


def dense_config() -> st.SearchStrategy[Args]:
    sizes = {"ni": st.integers(1, 6), "no": st.integers(1, 6)}
    return st.fixed_dictionaries(sizes | layer_options())


@st.composite
def flatten_config(draw: st.DrawFn) -> Args:
    tensor = draw(st.none() | st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    return {"tensor": tensor, "name": draw(st.none() | st.text(min_size=1, max_size=3))}


@st.composite
def pool_config(draw: st.DrawFn) -> Args:
    area = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    tensor = None
    if draw(st.booleans()):
        tensor = (
            draw(st.integers(1, 3)),
            draw(st.integers(area[0], 7)),
            draw(st.integers(area[1], 7)),
        )
    return {"area": area, "strict": draw(st.booleans()), "tensor": tensor, "name": None}


def sample_shape(layer: Any, draw: st.DrawFn) -> tuple[int, ...]:
    """One sample's shape for ``layer`` (its own, or drawn where it accepts any)."""
    if layer.input_shape is not None:
        return layer.input_shape
    if isinstance(layer, nn.MaxPool2D):
        ph, pw = layer.area
        return (draw(st.integers(1, 3)), draw(st.integers(ph, 7)), draw(st.integers(pw, 7)))
    return tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=4)))


def layer_dtype(layer: Any) -> np.dtype:
    return getattr(layer, "dtype", np.dtype(np.float64))


@st.composite
def evaluate_args(draw: st.DrawFn, config: st.SearchStrategy[Args], cls: type) -> Args:
    layer = cls(**draw(config))
    n = draw(st.integers(0, 3))
    a = draw(float_arrays((n, *sample_shape(layer, draw)), layer_dtype(layer), -3, 3))
    return {"self": layer, "a": draw(layouts(a))}


@st.composite
def evaluated(draw: st.DrawFn, config: st.SearchStrategy[Args], cls: type) -> Args:
    """A layer after ``evaluate``, with a ∂L/∂(output) for its ``backprop``."""
    args = draw(evaluate_args(config, cls))
    z = args["self"].evaluate(args["a"])
    delta = draw(layouts(draw(float_arrays(z.shape, z.dtype, -3, 3))))
    flags = {}
    if issubclass(cls, ParametricLayer):
        flags = {"pre_activation": draw(st.booleans()), "input_gradient": draw(st.booleans())}
    return {"self": args["self"], "delta": delta, "_a": args["a"]} | flags


@st.composite
def backpropagated(draw: st.DrawFn, config: st.SearchStrategy[Args], cls: type) -> Args:
    """A layer after ``evaluate`` and ``backprop``, ready for ``update``."""
    args = draw(evaluated(config, cls))
    args["self"].backprop(args["delta"])
    return {"self": args["self"]}


def check_layer(cls: type) -> Any:
    def check(layer: Any, args: Args) -> None:
        assert isinstance(layer, cls)
        check_parameters(layer.parameters(), {"self": layer})

    return check


def check_output(z: Any, args: Args) -> None:
    layer, a = args["self"], args["a"]
    shape = layer.output_shape if layer.output_shape is not None else z.shape[1:]
    check_finite_array(z, (len(a), *shape), layer_dtype(layer))


def check_backprop(result: Any, args: Args) -> None:
    if args.get("input_gradient", True) is False:
        assert result is None
    else:
        check_finite_array(result, args["_a"].shape)
    check_gradients(args["self"].gradients(), args)


def check_gradients(gradients: Any, args: Args) -> None:
    parameters = args["self"].parameters()
    assert set(gradients) == set(parameters)
    for name, gradient in gradients.items():
        check_finite_array(gradient, parameters[name].shape)


def check_parameters(parameters: Any, args: Args) -> None:
    assert isinstance(parameters, dict)
    for value in parameters.values():
        check_finite_array(value, value.shape, args["self"].dtype)


def bad_input(args: Args) -> st.SearchStrategy[Any]:
    layer, a = args["self"], args["a"]
    other = np.float32 if layer_dtype(layer) == np.float64 else np.float64
    if layer.input_shape is not None:
        options = [bad_array(a, free_axes=(0,), finite=False)]
    else:  # any shape of the layer's rank(s)
        ranks = (2, 3, 4, 5) if isinstance(layer, nn.Flatten) else (4,)
        wrong_rank = [a.reshape(-1), a.reshape(*a.shape, *(1,) * (6 - a.ndim))]
        options = [
            bad_array(a, any_shape=True, finite=False),
            st.sampled_from([w for w in wrong_rank if w.ndim not in ranks]),
        ]
    if isinstance(layer, ParametricLayer):
        options.append(st.just(a.astype(other)))
    if isinstance(layer, nn.MaxPool2D) and layer.input_shape is None:
        options.append(st.just(a[:, :, : layer.area[0] - 1]))
    return st.one_of(*options)


def bad_delta(args: Args) -> st.SearchStrategy[Any]:
    return bad_array(args["delta"], finite=False)


def fresh(config: st.SearchStrategy[Args], cls: type) -> Any:
    """Layers that never evaluated anything: ``backprop`` and ``update`` must wait."""
    return lambda args: config.map(lambda kwargs: cls(**kwargs))


def layer_specs(cls: type, config: st.SearchStrategy[Args], bad: dict[str, Any]) -> dict:
    name = f"mnn.nn.{cls.__name__}"
    backprop_bad = {"delta": bad_delta, "self": fresh(config, cls)}
    if issubclass(cls, ParametricLayer):
        backprop_bad |= {
            "pre_activation": lambda a: bad_bool(),
            "input_gradient": lambda a: bad_bool(),
        }
    ready = evaluate_args(config, cls)
    specs = {
        name: Spec(call=function(cls), valid=config, check=check_layer(cls), bad=bad),
        f"{name}.evaluate": Spec(
            call=method("evaluate"),
            valid=ready,
            check=check_output,
            bad={"a": bad_input},
            words={"a": "the input of|parameters but got|pooling area"},
        ),
        f"{name}.backprop": Spec(
            call=method("backprop"),
            valid=evaluated(config, cls),
            check=check_backprop,
            bad=backprop_bad,
        ),
        f"{name}.update": Spec(
            call=method("update"),
            valid=backpropagated(config, cls),
            check=nothing_returned,
            bad={"self": fresh(config, cls)} if issubclass(cls, ParametricLayer) else {},
        ),
        f"{name}.parameters": Spec(
            call=method("parameters"),
            valid=ready.map(lambda args: {"self": args["self"]}),
            check=check_parameters,
        ),
        f"{name}.gradients": Spec(
            call=method("gradients"), valid=backpropagated(config, cls), check=check_gradients
        ),
    }
    if cls is nn.MaxPool2D:
        specs[f"{name}.tie_counts"] = Spec(
            call=method("tie_counts"),
            valid=evaluated(config, cls).map(
                lambda args: {"self": args["self"], "_delta": args["delta"]}
            ),
            check=check_tie_counts,
            bad={"self": fresh(config, cls)},
        )
    return specs


def check_tie_counts(counts: Any, args: Args) -> None:
    check_finite_array(counts, args["_delta"].shape)
    assert counts.dtype.kind == "i" and np.all(counts >= 1)


def bad_filters(args: Args) -> st.SearchStrategy[Any]:
    """Filters that do not fit the padded input, or not a triple of positive integers."""
    h = args["tensor"][1]
    m = args["fshape"][0]
    padding = args["padding"]
    ph = padding if isinstance(padding, int) else padding[0]
    return bad_ints(3, 1) | st.just((m, h + 2 * ph + 1, 1))


CONV_BAD = bad_layer_options() | {
    "tensor": lambda args: bad_ints(3, 1),
    "fshape": bad_filters,
    "stride": lambda args: bad_pair(1),
    "padding": lambda args: bad_pair(0),
}
DENSE_BAD = bad_layer_options() | {
    "ni": lambda args: bad_int(1),
    "no": lambda args: bad_int(1) | st.just(10**12),
}
FLATTEN_BAD = {
    "tensor": lambda args: optional(bad_shape()),
    "name": lambda args: optional(bad_text()),
}
POOL_BAD = {
    "area": lambda args: bad_ints(2, 1),
    "strict": lambda args: bad_bool(),
    "tensor": lambda args: optional(bad_ints(3, 1)) | st.just((1, 0, 0)),
    "name": lambda args: optional(bad_text()),
}


# ----------------------------------------------------------------------------- losses


@st.composite
def loss_args(draw: st.DrawFn, cls: type) -> Args:
    """Outputs a (probabilities for the cross-entropy) and targets y, both (n, k), n >= 1."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    low = 1e-6 if cls is nn.CrossEntropy else -5.0
    a = draw(float_arrays(shape, dtype, low, 1.0))
    y = draw(float_arrays(shape, dtype, 0.0, 1.0))
    return {"self": cls(), "a": a, "y": y}


@st.composite
def output_delta_args(draw: st.DrawFn, cls: type) -> Args:
    """An activation that produced ``a``, and targets."""
    args = draw(loss_args(cls))
    afun = draw(activations())
    z = draw(float_arrays(args["a"].shape, args["a"].dtype, -3, 3))
    return args | {"afun": afun, "a": afun.evaluate(z)}


def check_loss(value: Any, args: Args) -> None:
    assert isinstance(value, float) and np.isfinite(value) and value >= 0


def check_loss_gradient(value: Any, args: Args) -> None:
    check_finite_array(value, args["a"].shape)


def bad_outputs(args: Args) -> st.SearchStrategy[Any]:
    return bad_array(args["a"], finite=False, nonempty=True) | st.just(args["a"][:0])


def bad_targets(args: Args) -> st.SearchStrategy[Any]:
    return bad_array(args["y"], finite=False)


def loss_specs(cls: type) -> dict[str, Spec]:
    name = f"mnn.nn.{cls.__name__}"
    bad = {"a": bad_outputs, "y": bad_targets}
    words = {"a": "the output a|the targets y", "y": "the targets y"}
    return {
        name: Spec(call=function(cls), valid=st.just({}), check=instance_of(cls)),
        f"{name}.evaluate": Spec(
            call=method("evaluate"), valid=loss_args(cls), check=check_loss, bad=bad, words=words
        ),
        f"{name}.gradient": Spec(
            call=method("gradient"),
            valid=loss_args(cls),
            check=check_loss_gradient,
            bad=bad,
            words=words,
        ),
        f"{name}.output_delta": Spec(
            call=method("output_delta"),
            valid=output_delta_args(cls),
            check=check_loss_gradient,
            bad=bad | {"afun": lambda args: JUNK | st.sampled_from([nn.ReLU, nn.SGD()])},
            words=words | {"a": "the output a|the targets y|backprop"},
        ),
    }


# ---------------------------------------------------------------------------- network


@st.composite
def networks(draw: st.DrawFn, rank: int | None = None, layers: bool = True) -> Any:
    """A small SequentialNet: dense layers on rows, or conv/pool/flatten/dense on images."""
    rank = draw(st.sampled_from([1, 3])) if rank is None else rank
    if rank == 1:
        input_shape = (draw(st.integers(1, 5)),)
    else:
        input_shape = (draw(st.integers(1, 2)), draw(st.integers(2, 6)), draw(st.integers(2, 6)))
    loss = draw(st.sampled_from([None, nn.CrossEntropy(), nn.MeanSquaredError()]))
    net = nn.SequentialNet(input_shape, loss, dtype=draw(DTYPES), seed=draw(seeds()))
    if not layers:
        return net
    if rank == 3:
        _, h, w = input_shape
        if draw(st.booleans()):
            net.add_conv2D(
                (draw(st.integers(1, 3)), draw(st.integers(1, h)), draw(st.integers(1, w))),
                **draw(st.fixed_dictionaries(parts())),
            )
        _, h, w = net.output_shape
        if draw(st.booleans()):
            net.add_pool2D((draw(st.integers(1, h)), draw(st.integers(1, w))), draw(st.booleans()))
        net.add_flatten()
    for _ in range(draw(st.integers(0, 1))):
        net.add_dense(draw(st.integers(1, 4)), **draw(st.fixed_dictionaries(parts())))
    net.add_dense(draw(st.integers(1, 4)), draw(st.sampled_from([nn.SoftMax(), nn.Sigmoid()])))
    return net


@st.composite
def inputs(draw: st.DrawFn, net: Any, nonempty: bool = False) -> np.ndarray:
    n = draw(st.integers(1 if nonempty else 0, 5))
    x = draw(float_arrays((n, *net.input_shape), net.dtype, -2, 2))
    return draw(layouts(x))


@st.composite
def targets(draw: st.DrawFn, net: Any, n: int) -> np.ndarray:
    """Integer labels or, for a network trained with the squared error, real targets."""
    (k,) = net.output_shape
    if isinstance(net.loss, nn.MeanSquaredError) and draw(st.booleans()):
        return draw(float_arrays((n, k), draw(st.sampled_from([np.float32, np.float64])), 0, 1))
    return draw(
        hnp.arrays(
            draw(st.sampled_from(["int64", "int32", "uint8"])), n, elements=st.integers(0, k - 1)
        )
    )


@st.composite
def batch_args(draw: st.DrawFn) -> Args:
    net = draw(networks())
    x = draw(inputs(net, nonempty=True))
    return {"self": net, "x": x, "y": draw(targets(net, len(x)))}


@st.composite
def trained_args(draw: st.DrawFn) -> Args:
    args = draw(batch_args())
    validation = None
    if draw(st.booleans()):
        x_val = draw(inputs(args["self"], nonempty=True))
        validation = (x_val, draw(targets(args["self"], len(x_val))))
    return args | {
        "batch_size": draw(st.integers(1, 4)),
        "epochs": draw(st.integers(1, 2)),
        "seed": draw(seeds()),
        "validation_data": validation,
        "verbose": False,
    }


def check_history(history: Any, args: Args) -> None:
    assert isinstance(history, dict) and "loss" in history and "seconds" in history
    for key, values in history.items():
        assert len(values) == args["epochs"], key
        assert all(isinstance(v, float) and np.isfinite(v) for v in values), key


def check_net_output(output: Any, args: Args) -> None:
    net = args["self"]
    check_finite_array(output, (len(args["x"]), *net.output_shape), net.dtype)


def bad_x(args: Args) -> st.SearchStrategy[Any]:
    x = args["x"]
    other = np.float32 if args["self"].dtype == np.float64 else np.float64
    return bad_array(x, free_axes=(0,)) | st.just(x.astype(other))


def bad_x_batch(args: Args) -> st.SearchStrategy[Any]:
    return bad_x(args) | st.just(args["x"][:0])


def bad_y(args: Args) -> st.SearchStrategy[Any]:
    y, (k,) = args["y"], args["self"].output_shape
    labels = np.zeros(len(args["x"]), dtype=np.int64)
    return st.one_of(
        optional(JUNK),
        bad_array(y, kinds="fiu"),
        st.sampled_from(
            [
                labels + k,
                labels - 1,
                labels[:, None],
                labels.astype(float),
                np.zeros((len(labels), k + 1)),
                np.full((len(labels), k), np.nan),
            ]
        ),
    )


def bad_validation(args: Args) -> st.SearchStrategy[Any]:
    x, y = args["x"], args["y"]
    return optional(JUNK) | st.sampled_from([[x, y], (x,), (x, y, y), (x[:, None], y), (x, y[:0])])


def empty_network(args: Args) -> st.SearchStrategy[Any]:
    net = args["self"]
    return st.just(nn.SequentialNet(net.input_shape, dtype=net.dtype))


@st.composite
def network_args(draw: st.DrawFn) -> Args:
    rank = draw(st.sampled_from([1, 3]))
    shape = (draw(st.integers(1, 5)),) if rank == 1 else (1, draw(st.integers(1, 5)), 3)
    return {
        "input_shape": draw(st.sampled_from([shape, list(shape)])),
        "loss": draw(st.sampled_from([None, nn.CrossEntropy(), nn.MeanSquaredError()])),
        "dtype": draw(DTYPES),
        "seed": draw(seeds()),
    }


def check_network(net: Any, args: Args) -> None:
    assert isinstance(net, nn.SequentialNet)
    assert net.output_shape == tuple(args["input_shape"])


@st.composite
def add_args(draw: st.DrawFn) -> Args:
    net = draw(networks(layers=False))
    shape = net.output_shape
    if len(shape) == 1:
        layer = nn.Dense(shape[0], draw(st.integers(1, 4)), dtype=net.dtype)
    else:
        layer = draw(
            st.sampled_from([nn.Flatten(tensor=shape), nn.MaxPool2D((1, 1), tensor=shape)])
        )
    return {"self": net, "layer": layer}


def bad_layer(args: Args) -> st.SearchStrategy[Any]:
    net = args["self"]
    shape = net.output_shape
    other = np.float32 if net.dtype == np.float64 else np.float64
    wrong = [nn.MaxPool2D(), nn.Flatten(tensor=(*shape, 1)), nn.Dense(7, 2, dtype=net.dtype)]
    if len(shape) == 1:
        wrong.append(nn.Dense(shape[0], 2, dtype=other))
    return optional(JUNK) | st.sampled_from(wrong) | st.just(nn.ReLU())


def check_added(kind: type) -> Any:
    def check(layer: Any, args: Args) -> None:
        assert isinstance(layer, kind) and args["self"].layers[-1] is layer

    return check


@st.composite
def add_conv_args(draw: st.DrawFn) -> Args:
    net = draw(networks(rank=3, layers=False))
    _, h, w = net.input_shape
    fshape = (draw(st.integers(1, 3)), draw(st.integers(1, h)), draw(st.integers(1, w)))
    geometry = {
        "fshape": fshape,
        "stride": draw(st.sampled_from([1, 2, (1, 2)])),
        "padding": draw(st.sampled_from([0, 1, (1, 0)])),
    }
    return {"self": net} | geometry | draw(st.fixed_dictionaries(parts()))


@st.composite
def add_pool_args(draw: st.DrawFn) -> Args:
    net = draw(networks(rank=3, layers=False))
    _, h, w = net.input_shape
    area = (draw(st.integers(1, h)), draw(st.integers(1, w)))
    return {"self": net, "area": area, "strict": draw(st.booleans())}


@st.composite
def add_dense_args(draw: st.DrawFn) -> Args:
    net = draw(networks(rank=1, layers=False))
    return {"self": net, "no": draw(st.integers(1, 5))} | draw(st.fixed_dictionaries(parts()))


def rows_network(args: Args) -> st.SearchStrategy[Any]:
    """A network whose output is rows: image layers cannot be appended."""
    return networks(rank=1, layers=False)


def images_network(args: Args) -> st.SearchStrategy[Any]:
    """A network whose output is images: dense layers need a flatten first."""
    return networks(rank=3, layers=False)


@st.composite
def backpropagated_network(draw: st.DrawFn) -> Args:
    args = draw(batch_args())
    args["self"].backprop(args["x"], args["y"])
    return {"self": args["self"]}


def check_net_parameters(parameters: Any, args: Args) -> None:
    assert isinstance(parameters, dict) and parameters
    for value in parameters.values():
        check_finite_array(value, value.shape, args["self"].dtype)


def summary_args() -> st.SearchStrategy[Args]:
    return networks().map(lambda net: {"self": net, "print_fn": [].append})


def check_summary(result: Any, args: Args) -> None:
    assert result is None
    (text,) = args["print_fn"].__self__
    assert "Total params" in text


NETWORK_SPECS = {
    "mnn.nn.SequentialNet": Spec(
        call=function(nn.SequentialNet),
        valid=network_args(),
        check=check_network,
        bad={
            "input_shape": lambda args: bad_shape(),
            "loss": lambda args: optional(JUNK) | st.sampled_from([nn.CrossEntropy, nn.ReLU()]),
            "dtype": bad_dtype,
            "seed": lambda args: bad_seed(),
        },
    ),
    "mnn.nn.SequentialNet.add": Spec(
        call=method("add"),
        valid=add_args(),
        check=lambda layer, args: check_added(type(args["layer"]))(layer, args),
        bad={"layer": bad_layer},
        words={"layer": "layer"},
    ),
    "mnn.nn.SequentialNet.add_conv2D": Spec(
        call=method("add_conv2D"),
        valid=add_conv_args(),
        check=check_added(nn.Conv2D),
        bad=bad_parts()
        | {
            "fshape": lambda args: bad_ints(3, 1) | st.just((1, 99, 1)),
            "stride": lambda args: bad_pair(1),
            "padding": lambda args: bad_pair(0),
            "self": rows_network,
        },
        words={"fshape": "fshape|filters"},
    ),
    "mnn.nn.SequentialNet.add_pool2D": Spec(
        call=method("add_pool2D"),
        valid=add_pool_args(),
        check=check_added(nn.MaxPool2D),
        bad={
            "area": lambda args: bad_ints(2, 1) | st.just((99, 1)),
            "strict": lambda args: bad_bool(),
            "self": rows_network,
        },
    ),
    "mnn.nn.SequentialNet.add_flatten": Spec(
        call=method("add_flatten"),
        valid=networks(layers=False).map(lambda net: {"self": net}),
        check=check_added(nn.Flatten),
    ),
    "mnn.nn.SequentialNet.add_dense": Spec(
        call=method("add_dense"),
        valid=add_dense_args(),
        check=check_added(nn.Dense),
        bad=bad_parts() | {"no": lambda args: bad_int(1), "self": images_network},
    ),
    "mnn.nn.SequentialNet.evaluate": Spec(
        call=method("evaluate"),
        valid=networks().flatmap(
            lambda net: st.fixed_dictionaries(
                {
                    "self": st.just(net),
                    "x": inputs(net),
                    "batch_size": st.none() | st.integers(1, 4),
                }
            )
        ),
        check=check_net_output,
        bad={
            "x": bad_x,
            "batch_size": lambda args: optional(bad_int(1)),
            "self": empty_network,
        },
        words={"x": "x|the input batch"},
    ),
    "mnn.nn.SequentialNet.backprop": Spec(
        call=method("backprop"),
        valid=batch_args(),
        check=check_loss,
        bad={"x": bad_x_batch, "y": bad_y, "self": empty_network},
        words={"x": "x|the input batch", "y": "y|labels"},
    ),
    "mnn.nn.SequentialNet.update": Spec(
        call=method("update"),
        valid=backpropagated_network(),
        check=nothing_returned,
        bad={"self": lambda args: networks().map(lambda net: net)},
    ),
    "mnn.nn.SequentialNet.parameters": Spec(
        call=method("parameters"),
        valid=networks().map(lambda net: {"self": net}),
        check=check_net_parameters,
    ),
    "mnn.nn.SequentialNet.gradients": Spec(
        call=method("gradients"), valid=backpropagated_network(), check=check_net_parameters
    ),
    "mnn.nn.SequentialNet.train": Spec(
        call=method("train"),
        valid=trained_args(),
        check=check_history,
        bad={
            "x": bad_x_batch,
            "y": bad_y,
            "batch_size": lambda args: bad_int(1),
            "epochs": lambda args: bad_int(1),
            "seed": lambda args: bad_seed(),
            "validation_data": bad_validation,
            "verbose": lambda args: bad_bool(),
            "self": empty_network,
        },
        cost=0.3,
        words={"x": "x|the input batch", "y": "y|labels", "validation_data": "validation|_val"},
    ),
    "mnn.nn.SequentialNet.summary": Spec(
        call=method("summary"),
        valid=summary_args(),
        check=check_summary,
        bad={"print_fn": lambda args: bad_callable()},
    ),
}


# ----------------------------------------------------------------- gradients and pools


@st.composite
def gradcheck_args(draw: st.DrawFn) -> Args:
    kind = draw(st.sampled_from(["activation", "dense", "conv", "network"]))
    y = None
    if kind == "activation":
        model = draw(activations())
        x = draw(float_arrays((draw(st.integers(1, 3)), draw(st.integers(1, 3)))))
    elif kind == "dense":
        model = nn.Dense(draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(activations()))
        x = draw(float_arrays((draw(st.integers(1, 3)), model.input_shape[0])))
    elif kind == "conv":
        model = nn.Conv2D((1, 3, 3), (draw(st.integers(1, 2)), 2, 2), draw(activations()))
        x = draw(float_arrays((1, 1, 3, 3)))
    else:
        model = nn.SequentialNet((draw(st.integers(1, 3)),))
        model.add_dense(draw(st.integers(1, 3)), nn.SoftMax())
        x = draw(float_arrays((draw(st.integers(1, 3)), model.input_shape[0])))
        y = draw(hnp.arrays(np.int64, len(x), elements=st.integers(0, model.output_shape[0] - 1)))
    if kind != "network" and draw(st.booleans()):
        output = model.evaluate(x)
        y = draw(float_arrays(output.shape))
    return {"model": model, "x": x, "y": y, "step": draw(floats(1e-7, 1e-4)), "seed": draw(seeds())}


def check_gradcheck(errors: Any, args: Args) -> None:
    assert isinstance(errors, dict) and errors
    assert all(isinstance(e, float) and 0 <= e <= 2 for e in errors.values())


def bad_model(args: Args) -> st.SearchStrategy[Any]:
    float32 = nn.Dense(2, 2, dtype=np.float32)
    return JUNK | st.sampled_from([nn.ReLU, nn.SGD(), float32, nn.SequentialNet((2,))])


def bad_gradcheck_x(args: Args) -> st.SearchStrategy[Any]:
    x = args["x"]
    any_shape = isinstance(args["model"], nn.Activation)
    return bad_array(x, free_axes=(0,), nonempty=True, any_shape=any_shape) | st.just(
        x.astype(np.float32)
    )


def bad_gradcheck_y(args: Args) -> st.SearchStrategy[Any]:
    if isinstance(args["model"], nn.SequentialNet):
        return st.just(None) | bad_y({"self": args["model"], "x": args["x"], "y": args["y"]})
    shape = np.shape(args["model"].evaluate(args["x"]))
    return optional(bad_array(np.zeros(shape), finite=False))


@st.composite
def relative_error_args(draw: st.DrawFn) -> Args:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    dtype = draw(st.sampled_from(["float32", "float64", "int64", "uint8"]))
    elements = floats(-100, 100) if dtype.startswith("f") else st.integers(0, 100)
    return {
        "computed": draw(hnp.arrays(dtype, shape, elements=elements)),
        "reference": draw(hnp.arrays(dtype, shape, elements=elements)),
    }


def check_relative_error(error: Any, args: Args) -> None:
    assert isinstance(error, float) and 0 <= error <= 2


@st.composite
def tied_windows_args(draw: st.DrawFn) -> Args:
    pool = nn.MaxPool2D((draw(st.integers(1, 3)), draw(st.integers(1, 3))), draw(st.booleans()))
    ph, pw = pool.area
    shape = (
        draw(st.integers(0, 2)),
        draw(st.integers(1, 2)),
        draw(st.integers(ph, 6)),
        draw(st.integers(pw, 6)),
    )
    a = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0, 2.0, -1.0])))
    return {"pool": pool, "a": a, "above": draw(floats(-2, 2))}


def check_tied(tied: Any, args: Args) -> None:
    n, c, h, w = args["a"].shape
    ph, pw = args["pool"].area
    check_finite_array(tied, (n, c, h // ph, w // pw), bool)


FUNCTION_SPECS = {
    "mnn.nn.gradcheck": Spec(
        call=function(nn.gradcheck),
        valid=gradcheck_args(),
        check=check_gradcheck,
        bad={
            "model": bad_model,
            "x": bad_gradcheck_x,
            "y": bad_gradcheck_y,
            "step": lambda args: bad_real(0.0, include="neither"),
            "seed": lambda args: bad_seed(),
        },
        cost=0.5,
        words={
            "model": "model|float64|gradcheck|no layers",
            "x": "x|float64|the input",
            "y": "y|labels",
        },
    ),
    "mnn.nn.relative_error": Spec(
        call=function(nn.relative_error),
        valid=relative_error_args(),
        check=check_relative_error,
        bad={
            "computed": lambda args: bad_array(args["computed"], kinds="fiu"),
            "reference": lambda args: bad_array(args["reference"], kinds="fiu"),
        },
        words={"computed": "computed|shapes differ", "reference": "reference|shapes differ"},
    ),
    "mnn.nn.tied_windows": Spec(
        call=function(nn.tied_windows),
        valid=tied_windows_args(),
        check=check_tied,
        bad={
            "pool": lambda args: JUNK | st.sampled_from([nn.Flatten(), nn.ReLU(), nn.MaxPool2D]),
            "a": lambda args: (
                bad_array(args["a"], free_axes=(0, 1, 2, 3), finite=False)
                | st.just(args["a"][:, :, :0])
            ),
            "above": lambda args: bad_real(),
        },
        words={"a": "the input of|pooling area"},
    ),
}


SPECS: dict[str, Spec] = {}
for _cls in ACTIVATIONS:
    SPECS |= activation_specs(_cls)
for _cls in INITIALIZERS:
    SPECS |= initializer_specs(_cls)
for _cls in OPTIMIZERS:
    SPECS |= optimizer_specs(_cls)
SPECS |= layer_specs(nn.Conv2D, conv_config(), CONV_BAD)
SPECS |= layer_specs(nn.Dense, dense_config(), DENSE_BAD)
SPECS |= layer_specs(nn.Flatten, flatten_config(), FLATTEN_BAD)
SPECS |= layer_specs(nn.MaxPool2D, pool_config(), POOL_BAD)
for _cls in LOSSES:
    SPECS |= loss_specs(_cls)
SPECS |= NETWORK_SPECS | FUNCTION_SPECS
