"""Pretrained and small models, each defined once per framework (PyTorch and Keras).

- :func:`efficientnet_lite0`: an ImageNet classifier that works offline, with the same weights
  and the same layer names in both frameworks (see :mod:`mnn.models.efficientnet`).
- :mod:`mnn.models.imagenet`: its preprocessing, class names, NHWC/NCHW helpers, top-k decoding.
- :func:`keras_application`: the course's ResNet50 and VGG-16 for users who are online.
- :func:`trained_fashion_cnn`, :func:`untrained_fashion_cnn`: the course's small CNN on
  Fashion-MNIST, trained once and kept in the user cache.

Importing this package imports neither PyTorch nor TensorFlow; building a model imports its
framework.
"""

from . import imagenet
from .applications import keras_application
from .efficientnet import efficientnet_lite0
from .fashion_cnn import fashion_inputs, trained_fashion_cnn, untrained_fashion_cnn

__all__ = [
    "efficientnet_lite0",
    "fashion_inputs",
    "imagenet",
    "keras_application",
    "trained_fashion_cnn",
    "untrained_fashion_cnn",
]

# Chapter 6: the convolutional autoencoder, its training and noise, PCA, embedding scores.
from .autoencoder import (
    autoencoder_inputs,
    convert_autoencoder,
    count_parameters,
    decode,
    encode,
    latent_grid,
    reconstruct,
    reconstruction_loss,
    untrained_autoencoder,
)
from .autoencoder_noise import add_noise, clipped_noise_moments
from .autoencoder_training import train_autoencoder, trained_autoencoder
from .embedding import embedding_scores, knn_accuracy
from .pca import pca_autoencoder

__all__ += [
    "add_noise",
    "autoencoder_inputs",
    "clipped_noise_moments",
    "convert_autoencoder",
    "count_parameters",
    "decode",
    "embedding_scores",
    "encode",
    "knn_accuracy",
    "latent_grid",
    "pca_autoencoder",
    "reconstruct",
    "reconstruction_loss",
    "train_autoencoder",
    "trained_autoencoder",
    "untrained_autoencoder",
]
