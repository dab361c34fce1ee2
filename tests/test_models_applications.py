"""keras_application: unknown names and the offline error, without touching the network."""

from __future__ import annotations

import urllib.error

import numpy as np
import pytest

from mnn.models import keras_application


def test_unknown_name_lists_the_available_ones():
    with pytest.raises(ValueError, match=r"'resnet18'; available: ResNet50, VGG16.*efficientnet"):
        keras_application("resnet18")


@pytest.mark.parametrize("name", ["ResNet50", "VGG16"])
def test_offline_error_names_the_offline_model(name, tmp_path, monkeypatch):
    from keras.src.backend import config
    from keras.src.utils import file_utils

    requested = []

    def offline_urlretrieve(url, *args, **kwargs):
        requested.append(url)
        # What urllib raises when the name of the host cannot be resolved.
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(config, "keras_home", lambda: str(tmp_path))  # no cached weights
    monkeypatch.setattr(file_utils, "urlretrieve", offline_urlretrieve)
    with pytest.raises(RuntimeError, match=rf"weights of {name}.*efficientnet_lite0\(framework="):
        keras_application(name)
    assert len(requested) == 1 and requested[0].endswith(".h5")
    assert not list((tmp_path / "models").glob("*.h5"))


@pytest.mark.parametrize("name", [["ResNet50"], np.array(["VGG16"]), None])
def test_a_name_that_is_not_a_string_is_refused_by_name(name):
    """Found by the API sweep: a list or an array failed in the dict lookup."""
    with pytest.raises(ValueError, match=r"unknown Keras application name .*available: ResNet50"):
        keras_application(name)
