"""Pretrained and small models, each written once and built in both PyTorch and Keras.

- :func:`efficientnet_lite0`: an ImageNet classifier that works offline, with the same weights
  and the same layer names in both frameworks (see :mod:`mnn.models.efficientnet`).
- :mod:`mnn.models.imagenet`: its preprocessing, class names, NHWC/NCHW helpers, top-k decoding.
- :func:`keras_application`: the course's ResNet50 and VGG-16 for users who are online.
- :func:`trained_fashion_cnn`, :func:`untrained_fashion_cnn`: the course's small CNN on
  Fashion-MNIST, trained once and kept in the user cache.
- The convolutional autoencoder of chapter 6, its training and noise, PCA, embedding scores
  (see :mod:`mnn.models.autoencoder`).
- :func:`train_course_network`: the course network of chapter 1, trained in mnn or in its
  PyTorch and Keras twins (:mod:`mnn.models.course_network`).
- :func:`min_network`: chapter 5's two ReLU networks computing min(a1, a2).

Each model is a package: a framework-free part (layer tables, constants, what a user calls) and
one module per framework, ``torch.py`` and ``keras.py``, reached through
:func:`mnn._frameworks.framework_module`. Training (:mod:`mnn.models.training`) and inference
(:func:`mnn.models.inference.forward`) are written once for every model. Importing this package
imports neither PyTorch nor TensorFlow; building a model imports its framework.
"""

from . import imagenet
from .applications import keras_application
from .autoencoder import (
    add_noise,
    autoencoder_inputs,
    clipped_noise_moments,
    convert_autoencoder,
    count_parameters,
    decode,
    embedding_scores,
    encode,
    knn_accuracy,
    latent_grid,
    pca_autoencoder,
    reconstruct,
    reconstruction_loss,
    train_autoencoder,
    trained_autoencoder,
    untrained_autoencoder,
)
from .course_network import train_course_network
from .efficientnet import efficientnet_lite0
from .fashion_cnn import fashion_inputs, trained_fashion_cnn, untrained_fashion_cnn
from .min_networks import MIN_NETWORKS, min_network

__all__ = [
    "MIN_NETWORKS",
    "add_noise",
    "autoencoder_inputs",
    "clipped_noise_moments",
    "convert_autoencoder",
    "count_parameters",
    "decode",
    "efficientnet_lite0",
    "embedding_scores",
    "encode",
    "fashion_inputs",
    "imagenet",
    "keras_application",
    "knn_accuracy",
    "latent_grid",
    "min_network",
    "pca_autoencoder",
    "reconstruct",
    "reconstruction_loss",
    "train_autoencoder",
    "train_course_network",
    "trained_autoencoder",
    "trained_fashion_cnn",
    "untrained_autoencoder",
    "untrained_fashion_cnn",
]
