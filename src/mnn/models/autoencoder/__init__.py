"""The course's symmetric convolutional autoencoder (CAE) for 28x28 images, in PyTorch and Keras.

The encoder :math:`f` maps an image :math:`x \\in [0, 1]^{28 \\times 28}` to a code
:math:`z = f(x) \\in \\mathbb{R}^2`, the decoder :math:`g` maps the code back to an image
:math:`\\hat x = g(z)`; training minimises the binary cross-entropy between :math:`\\hat x` and
:math:`x` (:func:`~mnn.models.reconstruction_loss`).

With encoder widths :math:`(c_1, c_2, c_3)` (default :data:`WIDTHS`):

=================  ==========================================  ===================
encoder            layer                                       output (C, H, W)
=================  ==========================================  ===================
``enc_conv1``      3x3 convolution 1 -> c1, ReLU               (c1, 28, 28)
``enc_pool1``      2x2 max pooling                             (c1, 14, 14)
``enc_conv2``      3x3 convolution c1 -> c2, ReLU              (c2, 14, 14)
``enc_pool2``      2x2 max pooling                             (c2, 7, 7)
``enc_conv3``      3x3 convolution c2 -> c3, ReLU              (c3, 7, 7)
``enc_flatten``    flatten                                     (49 c3,)
``code``           dense 49 c3 -> 2, no activation: :math:`z`  (2,)
=================  ==========================================  ===================

The decoder is the mirror image, layer by layer: ``dec_dense`` (2 -> 49 c3, ReLU) and
``dec_reshape`` undo ``code`` and ``enc_flatten``; ``dec_conv3`` (c3 -> c2) mirrors ``enc_conv3``
(c2 -> c3) at the same 7x7 resolution; ``dec_up2`` (2x nearest-neighbour upsampling) undoes
``enc_pool2``; ``dec_conv2`` (c2 -> c1) at 14x14, ``dec_up1``, and ``dec_conv1`` (c1 -> 1) at
28x28 followed by a sigmoid, so that the output is an image in (0, 1) of the input's shape.

The two layer tables (:func:`layer_table`, in :mod:`~mnn.models.autoencoder.spec`) are written
once; :mod:`~mnn.models.autoencoder.torch` and :mod:`~mnn.models.autoencoder.keras` build from
them with the same layer names, so both frameworks have the same architecture and the same number
of parameters by construction.

The modules: :mod:`~mnn.models.autoencoder.build` (untrained models, conversion between the
frameworks), :mod:`~mnn.models.autoencoder.codes` (:func:`~mnn.models.encode`,
:func:`~mnn.models.decode`, :func:`~mnn.models.reconstruct`,
:func:`~mnn.models.reconstruction_loss`, for either framework's model and also for a PCA fitted
by :func:`mnn.models.pca_autoencoder`, the best *linear* autoencoder),
:mod:`~mnn.models.autoencoder.training`, :mod:`~mnn.models.autoencoder.noise` (the denoising
autoencoder's inputs), :mod:`~mnn.models.autoencoder.embedding` (how well the codes keep the
classes apart). Images are (N, 28, 28) floats in [0, 1]
(:func:`~mnn.models.autoencoder_inputs`).
"""

from .build import convert_autoencoder, count_parameters, untrained_autoencoder
from .codes import decode, encode, latent_grid, reconstruct, reconstruction_loss
from .embedding import embedding_scores, knn_accuracy
from .images import autoencoder_inputs
from .noise import add_noise, clipped_noise_moments
from .pca import pca_autoencoder
from .spec import WIDTHS, layer_table, output_shapes, parameter_counts, summary
from .training import train_autoencoder, trained_autoencoder

__all__ = [
    "WIDTHS",
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
    "layer_table",
    "output_shapes",
    "parameter_counts",
    "pca_autoencoder",
    "reconstruct",
    "reconstruction_loss",
    "summary",
    "train_autoencoder",
    "trained_autoencoder",
    "untrained_autoencoder",
]
