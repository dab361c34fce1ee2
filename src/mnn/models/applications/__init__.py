"""The course's ImageNet classifiers, ResNet50 and VGG-16, from Keras' own downloader (online only).

Their weights (100 MB and 530 MB) download on first use into ``~/.keras/models``; offline, use
:func:`mnn.models.efficientnet_lite0`, whose weights install with pip.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..._frameworks import framework_module
from ..._validation import describe


class _Weights(NamedTuple):
    file_name: str
    url: str
    md5: str


_KERAS_APPLICATIONS = "https://storage.googleapis.com/tensorflow/keras-applications/"
#: The ``keras.applications`` constructors on offer and the ImageNet weights Keras gives them
#: (the files and checksums of Keras' own applications, fetched first so that an offline user
#: learns it before a large model is built for nothing).
APPLICATIONS: dict[str, _Weights] = {
    "ResNet50": _Weights(
        "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
        f"{_KERAS_APPLICATIONS}resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5",
        "2cb95161c43110f7111970584f804107",
    ),
    "VGG16": _Weights(
        "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
        f"{_KERAS_APPLICATIONS}vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
        "64373286793e3c8b2b4e3219cbf3544b",
    ),
}


def keras_application(name: str) -> Any:
    """A Keras ImageNet classifier with its ImageNet weights, downloaded by Keras if needed.

    Parameters
    ----------
    name
        ``"ResNet50"`` or ``"VGG16"``.

    Returns
    -------
    keras.Model
        Takes (N, 224, 224, 3) images prepared by that model's own
        ``keras.applications.<resnet50|vgg16>.preprocess_input`` (BGR, mean-subtracted, not
        :func:`mnn.models.imagenet.preprocess`) and returns softmax probabilities (N, 1000).

    Raises
    ------
    RuntimeError
        When the weights are neither in ``~/.keras/models`` nor downloadable (offline).
    """
    if not isinstance(name, str) or name not in APPLICATIONS:
        shown = repr(name) if isinstance(name, str) else describe(name)
        raise ValueError(
            f"unknown Keras application name {shown}; available: {', '.join(APPLICATIONS)}. "
            "For a pretrained model that works offline use mnn.models.efficientnet_lite0."
        )
    return framework_module(__name__, "keras").application(name, APPLICATIONS[name])
