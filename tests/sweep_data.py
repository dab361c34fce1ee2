"""Sweep specs for mnn.data and mnn.cache (see sweep.py)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import numpy as np
from conftest import idx_bytes
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sweep import (
    JUNK,
    Args,
    Spec,
    bad_array,
    bad_callable,
    bad_choice,
    bad_int,
    bad_mapping,
    bad_names,
    bad_path,
    bad_text,
    check_finite_array,
    function,
    names,
    optional,
    scratch,
)

from mnn import cache, data
from mnn.data.catalog import DATASETS
from mnn.data.locate import find_local

IDX_DTYPES = ("u1", "i1", ">i2", ">i4", ">f4", ">f8")


def data_folder() -> Path:
    """A folder for ``MNN_DATA_DIR`` that links to the datasets where they are found now."""
    root = scratch("data")
    for dataset in DATASETS.values():
        folder = root / dataset.name
        folder.mkdir(exist_ok=True)
        for file in dataset.files.values():
            found = find_local(dataset, file)
            assert found is not None, f"{file.name} is missing: run `python -m mnn.data fetch`"
            if not (folder / found.name).exists():
                (folder / found.name).symlink_to(found)
    return root


def environment() -> dict[str, str]:
    """The environment of the whole sweep: a cache of its own, offline, the real data."""
    return {
        "MNN_DATA_DIR": str(data_folder()),
        "MNN_CACHE_DIR": str(scratch("cache")),
        "MNN_OFFLINE": "1",
        "MNN_SWEEP_ABSOLUTE": str(scratch("absolute")),
        "MNN_SWEEP_EMPTY": "",
    }


# ---------------------------------------------------------------------------- classes


@st.composite
def labels_of(draw: st.DrawFn, everyone: bool = False) -> tuple[np.ndarray, int]:
    """(N,) integer labels of k classes, and k; with ``everyone``, each class appears."""
    k = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from(["int64", "int32", "uint8"]))
    labels = draw(hnp.arrays(dtype, st.integers(0, 12), elements=st.integers(0, k - 1)))
    if everyone:
        labels = draw(st.permutations(np.concatenate([np.arange(k, dtype=dtype), labels])))
        labels = np.asarray(labels, dtype=dtype)
    return labels, k


def check_class_counts(counts: Any, args: Args) -> None:
    assert list(counts) == list(args["class_names"])
    assert all(isinstance(count, int) and count >= 0 for count in counts.values())
    assert sum(counts.values()) == len(args["labels"])


@st.composite
def first_of_each_class_args(draw: st.DrawFn) -> Args:
    labels, k = draw(labels_of(everyone=True))
    where = None
    if draw(st.booleans()):
        where = draw(hnp.arrays(bool, labels.shape))
        for c in range(k):  # keep one example of every class
            where[np.flatnonzero(labels == c)[-1]] = True
    return {"labels": labels, "n_classes": k, "where": where}


def check_first_of_each_class(indices: Any, args: Args) -> None:
    check_finite_array(indices, (args["n_classes"],))
    assert indices.dtype.kind in "iu"
    np.testing.assert_array_equal(args["labels"][indices], np.arange(args["n_classes"]))
    if args["where"] is not None:
        assert args["where"][indices].all()


def bad_labels(args: Args) -> st.SearchStrategy[Any]:
    labels = args["labels"].astype(np.int64)
    options = [bad_array(args["labels"], kinds="iu", free_axes=(0,)), st.just(labels[:, None])]
    if labels.size:
        options.append(st.sampled_from([labels + 100, labels - 100]))
    return st.one_of(*options)


# ------------------------------------------------------------------------------- files


def check_dataset(splits: Any, args: Args) -> None:
    (x_train, y_train), (x_test, y_test) = splits
    for images, labels, n in ((x_train, y_train, 60000), (x_test, y_test, 10000)):
        assert images.shape == (n, 28, 28) and images.dtype == np.uint8
        assert labels.shape == (n,) and labels.dtype == np.uint8 and labels.max() == 9


def loader(name: str, load: Any) -> Spec:
    def folders(_: object) -> list[object]:
        folder = Path(environment()["MNN_DATA_DIR"]) / name
        return [None, folder, str(folder)]

    return Spec(
        call=function(load),
        valid=st.just(None).map(folders).flatmap(st.sampled_from).map(lambda d: {"data_dir": d}),
        check=check_dataset,
        bad={"data_dir": lambda args: optional(bad_path())},
        cost=0.1,
    )


@st.composite
def idx_arrays(draw: st.DrawFn) -> np.ndarray:
    """Arrays of the IDX types, of rank 1 to 3, empty ones too."""
    dtype = np.dtype(draw(st.sampled_from(IDX_DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    if dtype.kind == "f":
        elements = st.floats(-1e3, 1e3, width=32)
    else:
        info = np.iinfo(dtype)
        elements = st.integers(int(info.min), int(info.max))
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def parse_idx_args(draw: st.DrawFn) -> Args:
    array = draw(idx_arrays())
    return {
        "content": draw(st.sampled_from([bytes, bytearray]))(idx_bytes(array)),
        "source": "generated",
        "shape": draw(st.sampled_from([None, array.shape, list(array.shape)])),
        "_expected": array,
    }


@st.composite
def read_idx_args(draw: st.DrawFn) -> Args:
    array = draw(idx_arrays())
    content = idx_bytes(array)
    suffix = draw(st.sampled_from(["", ".gz"]))
    path = scratch("idx") / f"file{draw(st.integers(0, 10**9))}{suffix}"
    path.write_bytes(gzip.compress(content) if suffix else content)
    return {
        "path": draw(st.sampled_from([path, str(path)])),
        "shape": draw(st.sampled_from([None, array.shape])),
        "_expected": array,
    }


def check_parsed(parsed: Any, args: Args) -> None:
    expected = args["_expected"]
    assert isinstance(parsed, np.ndarray) and parsed.dtype.isnative
    assert parsed.dtype == expected.dtype.newbyteorder("=")
    np.testing.assert_array_equal(parsed, expected)


def bad_content(args: Args) -> st.SearchStrategy[Any]:
    content = bytes(args["content"])
    header = 4 + 4 * content[3]
    damaged = [
        content[:3],
        content + b"\0",
        b"\x1f\x8b" + content[2:],
        b"\0\1" + content[2:],
        content[:2] + b"\x07" + content[3:],
        content[:header] + content[header:][:-1] if len(content) > header else content[:-1],
    ]
    return st.one_of(
        st.sampled_from(damaged),
        JUNK.filter(lambda value: not isinstance(value, bytes)),
        st.just(content.decode("latin-1")),
        st.just(np.frombuffer(content, np.uint8)),
    )


def bad_shape(args: Args) -> st.SearchStrategy[Any]:
    shape = tuple(args["_expected"].shape)
    return st.one_of(
        st.integers(0, 3),
        st.text(max_size=3),
        st.floats(),
        st.just((*shape, 1)),
        st.just(tuple(d + 1 for d in shape)),
        st.just(tuple(-1 for _ in shape)),
        st.just(tuple(float(d) for d in shape)),
    )


def bad_file(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(bad_path(), st.just(scratch("idx") / "missing"), st.just(scratch("idx")))


def check_photo(image: Any, args: Args) -> None:
    check_finite_array(image, image.shape, np.uint8)
    assert image.ndim == 3 and image.shape[-1] == 3


# ------------------------------------------------------------------------------- cache

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(-1e6, 1e6)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)
CONFIGS = st.dictionaries(st.text(max_size=6), JSON, max_size=4)
BAD_CONFIGS = st.one_of(
    bad_mapping(),
    st.sampled_from(
        [
            {"lr": float("nan")},
            {"lr": float("inf")},
            {"f": object()},
            {"s": {1, 2}},
            {"b": b"x"},
            {"a": np.float64(np.nan)},
            {1: 2, "a": 3},
        ]
    ),
)


def check_key(key: Any, args: Args) -> None:
    assert isinstance(key, str) and len(key) == 16 and int(key, 16) >= 0
    # The same configuration after a round trip through JSON has the same key.
    assert key == cache.config_key(json.loads(json.dumps(args["config"])))


def write_weights(directory: Path) -> None:
    (directory / "weights.txt").write_text("1")


def check_artifact(result: Any, args: Args) -> None:
    path, created = result
    assert isinstance(created, bool)
    assert (path / "config.json").is_file() and (path / "weights.txt").is_file()
    assert path.is_relative_to(cache.cache_dir())


def check_env_path(path: Any, args: Args) -> None:
    assert path is None or (isinstance(path, Path) and path.is_absolute())


def check_folder(path: Any, args: Args) -> None:
    assert isinstance(path, Path) and path.is_dir()


def bad_namespace(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(
        JUNK.filter(lambda value: not isinstance(value, str)),
        st.sampled_from(["..", "../x", "a/../../b", str(scratch("outside")), "", "."]),
    )


def bad_variable_name(args: Args) -> st.SearchStrategy[Any]:
    return st.one_of(JUNK.filter(lambda value: not isinstance(value, str)), st.just(""))


def writable_dir_args() -> st.SearchStrategy[Args]:
    folders = st.integers(0, 20).map(lambda i: scratch("writable") / f"d{i}")
    return st.one_of(folders, folders.map(str)).map(lambda path: {"path": path})


def read_artifact_args() -> st.SearchStrategy[Args]:
    return st.builds(lambda: {"directory": scratch("artifact"), "read": lambda directory: 42})


def check_read(value: Any, args: Args) -> None:
    assert value == 42


SPECS: dict[str, Spec] = {
    "mnn.data.class_counts": Spec(
        call=function(data.class_counts),
        valid=labels_of().map(lambda drawn: {"labels": drawn[0], "class_names": names(drawn[1])}),
        check=check_class_counts,
        bad={"labels": bad_labels, "class_names": lambda args: bad_names(unique=True)},
        words={"class_names": "class_names|labels"},
    ),
    "mnn.data.first_of_each_class": Spec(
        call=function(data.first_of_each_class),
        valid=first_of_each_class_args(),
        check=check_first_of_each_class,
        bad={
            "labels": bad_labels,
            "n_classes": lambda args: bad_int(1),
            "where": lambda args: st.one_of(
                bad_array(args["labels"] >= 0, kinds="b"),
                st.just(np.zeros(args["labels"].shape, bool)),
            ),
        },
        words={"n_classes": "n_classes|labels", "where": "where"},
    ),
    "mnn.data.load_mnist": loader("mnist", data.load_mnist),
    "mnn.data.load_fashion_mnist": loader("fashion-mnist", data.load_fashion_mnist),
    "mnn.data.parse_idx": Spec(
        call=function(data.parse_idx),
        valid=parse_idx_args(),
        check=check_parsed,
        bad={
            "content": bad_content,
            "source": lambda args: bad_text().filter(lambda value: value is not None),
            "shape": bad_shape,
        },
        words={"content": "content|generated", "shape": "shape|dimensions"},
    ),
    "mnn.data.read_idx": Spec(
        call=function(data.read_idx),
        valid=read_idx_args(),
        check=check_parsed,
        bad={"path": bad_file, "shape": bad_shape},
        cost=0.5,
        words={"shape": "shape|dimensions"},
    ),
    "mnn.data.sample_image": Spec(
        call=function(data.sample_image),
        valid=st.sampled_from(sorted(data.PHOTOS)).map(lambda name: {"name": name}),
        check=check_photo,
        bad={"name": lambda args: bad_choice(tuple(data.PHOTOS))},
        cost=0.3,
    ),
    "mnn.cache.env_path": Spec(
        call=function(cache.env_path),
        valid=st.sampled_from(["MNN_SWEEP_UNSET", "MNN_SWEEP_ABSOLUTE", "MNN_SWEEP_EMPTY"]).map(
            lambda name: {"name": name}
        ),
        check=check_env_path,
        bad={"name": bad_variable_name},
    ),
    "mnn.cache.cache_dir": Spec(
        call=lambda args: cache.cache_dir(),
        valid=st.just({}),
        check=check_env_path,
    ),
    "mnn.cache.writable_dir": Spec(
        call=function(cache.writable_dir),
        valid=writable_dir_args(),
        check=check_folder,
        bad={"path": lambda args: bad_path()},
    ),
    "mnn.cache.config_key": Spec(
        call=function(cache.config_key),
        valid=CONFIGS.map(lambda config: {"config": config}),
        check=check_key,
        bad={"config": lambda args: BAD_CONFIGS},
        words={"config": "config"},
    ),
    "mnn.cache.cached_artifact": Spec(
        call=function(cache.cached_artifact),
        valid=st.fixed_dictionaries(
            {
                "namespace": st.sampled_from(["sweep", "sweep/a", "sweep/b/c"]),
                "config": CONFIGS,
                "create": st.just(write_weights),
            }
        ),
        check=check_artifact,
        bad={
            "namespace": bad_namespace,
            "config": lambda args: BAD_CONFIGS,
            "create": lambda args: bad_callable(),
        },
    ),
    "mnn.cache.read_artifact": Spec(
        call=function(cache.read_artifact),
        valid=read_artifact_args(),
        check=check_read,
        bad={
            "directory": lambda args: st.one_of(bad_path(), st.just(scratch("artifact") / "no")),
            "read": lambda args: bad_callable(),
        },
    ),
}
