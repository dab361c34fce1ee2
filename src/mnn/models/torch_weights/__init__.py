"""PyTorch weights in another framework: a PyTorch state dict, as NumPy arrays, copied into a
Keras model whose layers carry the PyTorch module names (:mod:`mnn.models.torch_weights.keras`).

The Keras EfficientNet-Lite0 gets its ImageNet weights this way, the autoencoder is converted
between the frameworks this way, and tests give a Keras twin the weights of a PyTorch model.
"""
