"""Pretrained and small models in PyTorch and Keras."""
